"""``python -m cambrian.bench``: the same as ``cambrian bench``."""

import sys

from .cli import main

sys.exit(main())
