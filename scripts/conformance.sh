#!/usr/bin/env bash
# Run the array API conformance suite (../shared/array-api-tests, 2024.12) against cambrian on one device,
# as CI does (tests/conformance/test_array_api.py), and print the outcome per test file.
#   scripts/conformance.sh [DEVICE] [options] [-- pytest args]     DEVICE: cpu (default), opencl:cpu:0, ...
# Options (tests/conformance/suite.py --help): --whole (parts 2 and 3 too), --no-xfails, --failures (list
# every test that did not pass), --slowest N, --module array_api_strict (the reference), --json FILE.
# Example: scripts/conformance.sh opencl:cpu:0 --failures -- -k "expm1 or log1p"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
device=cpu
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then device=$1; shift; fi
exec "${PYTHON:-python3}" tests/conformance/suite.py --device "$device" "$@"
