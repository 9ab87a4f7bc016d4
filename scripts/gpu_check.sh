#!/usr/bin/env bash
# One-shot check of Cambrian on an NVIDIA GPU machine (issue 18): runs every step below, each with its own
# `timeout`, continuing on failure, and writes logs and figures to $OUT (else ./gpu-check-out):
#   env.log          install, nvidia-smi, `cambrian info`, `cambrian devices -v --all`, OpenCL ICD search
#   test_cuda.log    pytest tests -k cuda
#   bench_cuda.json  benchmarks/bench_cuda.py --json (speed goals vs CuPy RawKernel); its output in bench.log
#   bench.json       cambrian bench --devices cuda --quick --json; its output in bench.log
#   opencl.log       CAMBRIAN_TEST_DEVICES=opencl:gpu pytest tests/backends (NVIDIA's OpenCL ICD + PyOpenCL)
#   suite_cuda.log   the whole suite with CAMBRIAN_TEST_DEVICES=cuda (last: the longest step)
#   summary.json     step -> {rc, seconds[, tests]} (rewritten after every step), plus bench_cuda's figures
# At most 8 files, as the device tool brings back. The whole run stays under ~8 minutes (per-step limits
# below, each overridable: GPU_CHECK_T_<STEP>=seconds). Nothing is fetched from a network.
#
# Cambrian itself: `pip install --no-deps --no-build-isolation -e .`, falling back to PYTHONPATH=src.
# PyOpenCL (absent on the GPU machine, which has no package registry) travels as wheels in .whl/ (never
# committed). Here, in the repo root, once:
#   echo /.whl/ >> "$(git rev-parse --git-path info/exclude)"
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     -d .whl pyopencl pytools platformdirs siphash24 typing_extensions
# then: run(command="scripts/gpu_check.sh", carry=[".whl"], timeout_s=600). Wheels found in .whl/ or
# wheels/ are installed with --no-index --no-deps into /tmp/gpu-check-site (put first on PYTHONPATH).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
STEPS_TSV=$(mktemp)
SITE=/tmp/gpu-check-site

write_summary() {
    "$PY" - "$STEPS_TSV" "$OUT" <<'EOF'
import json, os, re, sys
tsv, out = sys.argv[1], sys.argv[2]
summary = {"steps": {}}
for line in open(tsv):
    step, rc, t0, t1, log = line.rstrip("\n").split("\t")
    entry = {"rc": int(rc), "seconds": round(float(t1) - float(t0), 2)}
    if step in ("test_cuda", "opencl", "suite_cuda") and os.path.exists(log):
        tail = open(log, errors="replace").read()[-3000:]
        counts = re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)", tail)
        entry["tests"] = {k: int(n) for n, k in counts}
    summary["steps"][step] = entry
bench = os.path.join(out, "bench_cuda.json")
if os.path.exists(bench):
    try:
        summary["bench_cuda"] = json.load(open(bench))
    except ValueError as exc:
        summary["bench_cuda"] = f"unreadable: {exc}"
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1, default=str)
EOF
}

# run_step NAME SECONDS LOG COMMAND...: run COMMAND under `timeout`, append its output to LOG, record rc.
run_step() {
    local name=$1 secs=$2 log=$3 start rc var
    shift 3
    var="GPU_CHECK_T_${name^^}"
    secs=${!var:-$secs}
    echo "=== $name (limit ${secs}s): $*" | tee -a "$log"
    start=$EPOCHREALTIME
    if declare -F "$1" >/dev/null; then  # a function of this script: `timeout` runs it in a new bash
        export -f "$1"
        set -- bash -c '"$@"' _ "$@"
    fi
    timeout -k 10 "$secs" "$@" >>"$log" 2>&1
    rc=$?
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$start" "$EPOCHREALTIME" "$log" >>"$STEPS_TSV"
    echo "=== $name: rc=$rc" | tee -a "$log"
    write_summary
}

ENV_LOG=$OUT/env.log
BENCH_LOG=$OUT/bench.log

# --- setup: wheels, Cambrian, OpenCL ICD -------------------------------------------------------------
install_wheels() {
    local whls=()
    shopt -s nullglob
    whls=(.whl/*.whl wheels/*.whl)
    shopt -u nullglob
    if [ ${#whls[@]} -eq 0 ]; then echo "no wheels in .whl/ or wheels/ (PyOpenCL stays absent)"; return 0; fi
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" "${whls[@]}"
}
install_cambrian() {
    "$PY" -m pip install -q --no-index --no-deps --no-build-isolation -e . ||
        { echo "editable install failed: using PYTHONPATH=src"; return 1; }
}
export PY SITE
run_step install_wheels 60 "$ENV_LOG" install_wheels
[ -d "$SITE" ] && export PYTHONPATH=$SITE${PYTHONPATH:+:$PYTHONPATH}
run_step install_cambrian 90 "$ENV_LOG" install_cambrian
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH}

# NVIDIA's OpenCL ICD: a vendors file, else the driver's library (then point the ICD loader at it).
icd=""
for f in /etc/OpenCL/vendors/*nvidia*.icd /usr/local/nvidia/share/OpenCL/vendors/*.icd; do
    [ -e "$f" ] && icd=$f && break
done
if [ -z "$icd" ]; then
    lib=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so/ {print $NF; exit}')
    [ -z "$lib" ] && lib=$(find /usr/local/nvidia /usr/lib /usr/lib64 -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
    if [ -n "$lib" ]; then
        mkdir -p /tmp/gpu-check-icd && echo "$lib" >/tmp/gpu-check-icd/nvidia.icd
        export OCL_ICD_VENDORS=/tmp/gpu-check-icd
        icd=/tmp/gpu-check-icd/nvidia.icd
    fi
fi
echo "NVIDIA OpenCL ICD: ${icd:-none found}" | tee -a "$ENV_LOG"

# --- information ---------------------------------------------------------------------------------------
run_step nvidia_smi 30 "$ENV_LOG" nvidia-smi
run_step cambrian_info 60 "$ENV_LOG" "$PY" -m cambrian info
run_step cambrian_devices 60 "$ENV_LOG" "$PY" -m cambrian devices -v --all

# --- tests and benchmarks ------------------------------------------------------------------------------
PYTEST=("$PY" -m pytest -q -p no:cacheprovider)
"$PY" -c "import pytest_timeout" 2>/dev/null && PYTEST+=(--timeout=120)
run_step test_cuda 120 "$OUT/test_cuda.log" "${PYTEST[@]}" tests -k cuda
run_step bench_cuda 90 "$BENCH_LOG" "$PY" benchmarks/bench_cuda.py --json "$OUT/bench_cuda.json"
run_step bench 90 "$BENCH_LOG" "$PY" -m cambrian bench --devices cuda --quick --no-progress \
    --json "$OUT/bench.json"
if [ -n "$icd" ] && "$PY" -c "import pyopencl" 2>/dev/null; then
    run_step opencl 60 "$OUT/opencl.log" env CAMBRIAN_TEST_DEVICES=opencl:gpu "${PYTEST[@]}" tests/backends
else
    echo "opencl: skipped (ICD: ${icd:-none}; pyopencl importable: no unless carried)" | tee -a "$OUT/opencl.log"
fi
run_step suite_cuda 200 "$OUT/suite_cuda.log" env CAMBRIAN_TEST_DEVICES=cuda "${PYTEST[@]}" tests

write_summary
rm -f "$STEPS_TSV"
echo "gpu_check: logs and summary.json in $OUT"
cat "$OUT/summary.json"
