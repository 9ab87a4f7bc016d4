#!/usr/bin/env bash
# Set up Cambrian on a fresh Debian/Ubuntu machine (Python >= 3.11 with pip). What it does:
#   1. the PoCL OpenCL CPU driver, when no PoCL driver is installed (apt-get, only as root),
#   2. Cambrian itself, editable (`pip install -e`), with its extras: `opencl,bench` (default) or `test`
#      (`setup.sh test`), into the Python that PYTHON names (default python3): a virtual environment's
#      when one is active (recommended: `python3 -m venv --system-site-packages .venv && . .venv/bin/activate`),
#      else the system's, which Debian refuses (PEP 668) unless PIP_BREAK_SYSTEM_PACKAGES=1: the script
#      then sets it and says so.
# Environment: PYTHON (default python3), CAMBRIAN_SETUP_DRY_RUN=1 prints the commands instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
PY=${PYTHON:-python3}
run() { if [ "${CAMBRIAN_SETUP_DRY_RUN:-}" = 1 ]; then echo "+ $*"; else "$@"; fi; }
extras="opencl,bench"
if [ "${1:-}" = test ]; then extras="test"; fi

# 1. OpenCL: PoCL gives every machine a CPU OpenCL device.
if ls "${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"/*pocl* >/dev/null 2>&1; then
    echo "setup: PoCL OpenCL driver found" >&2
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing the PoCL OpenCL driver (apt-get install pocl-opencl-icd)" >&2
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocl-opencl-icd ocl-icd-libopencl1 clinfo
else
    echo "setup: no PoCL OpenCL driver found; OpenCL devices need one. Install it with" >&2
    echo "       sudo apt-get install pocl-opencl-icd   (other systems: see README.md, 'OpenCL drivers')" >&2
fi

# 2. The package, into a virtual environment when PY is one's.
prefix=$("$PY" -c 'import sys; print(sys.prefix if sys.prefix != sys.base_prefix else "")')
if [ -n "$prefix" ]; then
    echo "setup: installing Cambrian (editable, extras [$extras]) into the virtual environment $prefix" >&2
else
    export PIP_BREAK_SYSTEM_PACKAGES=1
    echo "setup: not in a virtual environment: installing Cambrian (editable, extras [$extras]) into the" \
         "system Python ($(command -v "$PY")) with PIP_BREAK_SYSTEM_PACKAGES=1 (overrides PEP 668's refusal)." \
         "Prefer a venv: python3 -m venv --system-site-packages .venv && . .venv/bin/activate" >&2
fi
run "$PY" -m pip install -q -e ".[$extras]"

if ! command -v cambrian >/dev/null 2>&1; then
    echo "setup: the 'cambrian' command is not on PATH; add $("$PY" -c 'import sysconfig; print(sysconfig.get_path("scripts"))') to PATH" >&2
fi
echo "setup: done ('python3 -m cambrian devices' lists the devices found)" >&2
