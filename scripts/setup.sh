#!/usr/bin/env bash
# Set up Cambrian on a fresh Debian/Ubuntu machine (Python >= 3.11 with pip):
#   1. the PoCL OpenCL CPU driver, when no PoCL driver is installed (apt-get, only as root),
#   2. Cambrian itself, editable, with its extras: `opencl,bench` (default) or `test` (`setup.sh test`).
# Environment: PYTHON (default python3), CAMBRIAN_SETUP_DRY_RUN=1 prints the commands instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PYTHON:-python3}
run() { if [ "${CAMBRIAN_SETUP_DRY_RUN:-}" = 1 ]; then echo "+ $*"; else "$@"; fi; }

# 1. OpenCL: PoCL gives every machine a CPU OpenCL device.
if ls "${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"/*pocl* >/dev/null 2>&1; then
    :
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing the PoCL OpenCL driver (pocl-opencl-icd)" >&2
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocl-opencl-icd ocl-icd-libopencl1 clinfo
else
    echo "setup: no PoCL OpenCL driver found; OpenCL devices need one. Install it with" >&2
    echo "       sudo apt-get install pocl-opencl-icd   (other systems: see README.md, 'OpenCL drivers')" >&2
fi

# 2. The package. Debian's system Python refuses pip installs (PEP 668) unless told otherwise; in a
#    virtual environment that flag is unnecessary and harmless.
if [ -z "${VIRTUAL_ENV:-}" ]; then export PIP_BREAK_SYSTEM_PACKAGES=1; fi
extras="opencl,bench"
if [ "${1:-}" = test ]; then extras="test"; fi
run "$PY" -m pip install -q -e ".[$extras]"

if ! command -v cambrian >/dev/null 2>&1; then
    echo "setup: the 'cambrian' command is not on PATH; add $("$PY" -c 'import sysconfig; print(sysconfig.get_path("scripts"))') to PATH" >&2
fi
