#!/usr/bin/env bash
# One prepared run on a lent GPU machine: the test suite with the cupy backend and torch on CUDA,
# the validation report on cupy, and the DCDM GPU benchmark (network in torch CUDA, Krylov side
# in cupy).  At most about 8 minutes (each stage has a timeout); logs go to $OUT.
#
# Here first:  bash benchmarks/gpu_wheels.sh
# Then the device tool's run with carry [".whl"], timeout_s 480, command:
#     bash benchmarks/gpu_session.sh
# Locally (no .whl/, PYTHON=.venv/bin/python) it checks its own plumbing on the CPU.
set -uo pipefail
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/gpu-session}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 SCIML_CACHE_DIR=/tmp/sciml-cache OMP_NUM_THREADS=1
site=/tmp/sciml-site
if [ -d .whl ]; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl \
        || exit 1
    # neuraloperator imports wandb at import time (only its Trainer logs to it): an empty stand-in
    "$PY" -c "import wandb" 2>/dev/null || { mkdir -p "$site/wandb" && : > "$site/wandb/__init__.py"; }
    # the validation checks are found through entry points: install this project's metadata too
    "$PY" -m pip install -q --no-index --no-deps --no-build-isolation --target /tmp/sciml-dist . || exit 1
    export PYTHONPATH="$PWD:$site:/tmp/sciml-dist"
fi
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
  "$PY" -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())
try:
    import cupy; print('cupy', cupy.__version__, cupy.cuda.runtime.getDeviceCount(), 'device(s)')
except Exception as e:
    print('cupy unavailable:', e)"; } | tee "$OUT/environment.txt"
SCIML_TEST_BACKENDS=numpy,cupy timeout 200 "$PY" -m pytest -q -n 8 tests -m "not slow" -p no:cacheprovider \
    2>&1 | tee "$OUT/tests.log" | tail -30
device=cpu backend=numpy
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" && device=cuda backend=cupy
timeout 120 "$PY" -m validation --backend "$backend" --out "$OUT/validation" --no-plots 2>&1 | tee "$OUT/validation.log" | tail -15
timeout 120 "$PY" benchmarks/bench_dcdm.py --backend "$backend" --device "$device" 2>&1 \
    | tee "$OUT/bench_dcdm.log"
