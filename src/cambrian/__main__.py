"""``python -m cambrian``: the same as the ``cambrian`` command."""

from .cli import main

raise SystemExit(main())
