#!/usr/bin/env bash
# One prepared run on a lent GPU machine (issue 22), most important figures first, each stage with
# its own time-out inside an overall deadline (DEADLINE, default 470 s; call it with timeout_s 520):
#   1. the test suite on numpy + cupy (torch on CUDA in the DCDM tests), not the slow tests, -n 8;
#   2. the validation report on cupy (python -m validation --backend cupy);
#   3. benchmarks/bench_gpu.py: CG and Chebyshev–Tucker, numpy vs cupy (the >= 20x goal);
#   4. bench_gpu.py: DCDM (torch CUDA + cupy) against cupy CG and host PyAMG-PCG at 512² and 128³;
#   5. bench_gpu.py: FunBaT sweeps, one FNO Darcy epoch on CUDA, a Navier–Stokes data batch on cupy.
# Files in $OUT (7): session.txt (environment, stage times), tests.log, validation.log,
# validation_report.md, bench_gpu.log, gpu_figures.md, gpu_figures.json.
#
# Here first:  bash benchmarks/gpu_wheels.sh          (wheels the GPU image lacks, into .whl/)
# Then the device tool's run with carry [".whl"], timeout_s 520, command:
#     bash benchmarks/gpu_session.sh
# Plumbing check on a CPU machine (small sizes, cupy parts skipped with a "cupy unavailable" line):
#     PYTHON=.venv/bin/python OUT=/tmp/gpu-check bash benchmarks/gpu_session.sh --quick   (or QUICK=1)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/gpu-session}
QUICK=${QUICK:-0}
[ "${1:-}" = "--quick" ] && QUICK=1
# On a (slow, shared) CPU machine --quick stretches every time-out by SCALE (default 6).
SCALE=1; [ "$QUICK" = 1 ] && SCALE=${SCALE_QUICK:-6}
DEADLINE=${DEADLINE:-$(( 470 * SCALE ))}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 SCIML_CACHE_DIR=/tmp/sciml-cache MPLBACKEND=Agg
: > "$OUT/session.txt"
say() { echo "[+${SECONDS}s] $*" | tee -a "$OUT/session.txt"; }

# Seconds for a stage: at most LIMIT, and no more than leaves RESERVE seconds for the later stages.
budget() {
    local limit=$(( $1 * SCALE )) left=$(( DEADLINE - SECONDS - $2 * SCALE ))
    (( left < limit )) && limit=$left
    (( limit < 10 )) && limit=0
    echo "$limit"
}
# stage NAME LIMIT RESERVE LOG COMMAND...: run COMMAND under its time-out, log to $OUT/LOG (appended).
stage() {
    local name=$1 limit reserve=$3 log=$4 start=$SECONDS rc
    # STAGES (default all): a comma-separated subset of tests,validation,cg,dcdm,fno for a rerun
    if [ "${STAGES:-all}" != all ] && [[ ",${STAGES}," != *",${name%% *},"* ]] && [[ ",${STAGES}," != *",${name#bench },"* ]]; then
        return
    fi
    limit=$(budget "$2" "$reserve")
    shift 4
    if (( limit == 0 )); then say "SKIPPED $name: no time left before the ${DEADLINE}s deadline"; return; fi
    say "START $name (time-out ${limit}s)"
    timeout -k 5 "$limit" "$@" 2>&1 | tee -a "$OUT/$log"
    rc=${PIPESTATUS[0]}
    (( rc == 124 || rc == 137 )) && say "TIMED OUT $name after ${limit}s"
    say "END $name: exit $rc in $(( SECONDS - start ))s"
}

# -- set-up: the wheels the image lacks, this project's metadata (entry points of the validation registry)
if ! "$PY" -c "import neuralop, tensorly, tltorch, pyamg, array_api_compat, array_api_strict" 2>/dev/null; then
    [ -d .whl ] || { say "missing packages and no .whl/ (run benchmarks/gpu_wheels.sh here, carry .whl)"; exit 1; }
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/sciml-site \
        .whl/*.whl 2>&1 | tee -a "$OUT/session.txt" || { say "wheel install failed"; exit 1; }
    export PYTHONPATH="/tmp/sciml-site${PYTHONPATH:+:$PYTHONPATH}"
    say "installed $(ls .whl | tr '\n' ' ')"
fi
if ! "$PY" -c "import sys, importlib.metadata as m; sys.exit(0 if m.entry_points(group='validation.checks') else 1)" 2>/dev/null; then
    # A dist-info written from pyproject.toml (no build: the image's setuptools may predate this
    # pyproject's PEP 639 license string); importlib.metadata finds it on PYTHONPATH.
    "$PY" - <<'PYEOF' 2>&1 | tee -a "$OUT/session.txt"
import pathlib, tomllib
project = tomllib.loads(pathlib.Path("pyproject.toml").read_text())["project"]
info = pathlib.Path("/tmp/sciml-dist") / f"{project['name']}-{project['version']}.dist-info"
info.mkdir(parents=True, exist_ok=True)
(info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
lines = []
for group, points in project.get("entry-points", {}).items():
    lines += [f"[{group}]"] + [f"{k} = {v}" for k, v in points.items()] + [""]
(info / "entry_points.txt").write_text("\n".join(lines))
print("wrote", info, "with", sum(len(v) for v in project.get("entry-points", {}).values()), "entry points")
PYEOF
    export PYTHONPATH="/tmp/sciml-dist${PYTHONPATH:+:$PYTHONPATH}"
    say "project metadata (entry points) in /tmp/sciml-dist"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # the source tree first
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || echo "nvidia-smi unavailable"
  nproc; "$PY" - <<'EOF'
import sys, numpy, scipy, torch
print("python", sys.version.split()[0], "| numpy", numpy.__version__, "| scipy", scipy.__version__,
      "| torch", torch.__version__, "cuda", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
try:
    import cupy
    print("cupy", cupy.__version__, cupy.cuda.runtime.getDeviceCount(), "device(s)")
except Exception as exc:
    print("cupy unavailable:", type(exc).__name__, exc)
import neuralop, tensorly, pyamg, array_api_compat, array_api_strict, sciml
print("neuralop", neuralop.__version__, "| tensorly", tensorly.__version__, "| pyamg", pyamg.__version__,
      "| array_api_compat", array_api_compat.__version__, "| sciml from", sciml.__file__)
EOF
} 2>&1 | tee -a "$OUT/session.txt"

backend=numpy
"$PY" -c "import cupy, sys; sys.exit(0 if cupy.cuda.runtime.getDeviceCount() else 1)" 2>/dev/null && backend=cupy
say "backend for validation and the benchmarks: $backend"
workers=8; quick=()
if [ "$QUICK" = 1 ]; then workers=2; quick=(--quick); fi
timeout_opt=()
"$PY" -c "import pytest_timeout" 2>/dev/null && timeout_opt=(--timeout=100)

# 1. tests (numpy and cupy; cupy parameters skip themselves where cupy is unavailable)
stage tests 130 200 tests.log env SCIML_TEST_BACKENDS=numpy,cupy OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 \
    "$PY" -m pytest -q -n "$workers" tests -m "not slow" -p no:cacheprovider "${timeout_opt[@]}"
# 2. validation report
stage validation 100 160 validation.log "$PY" -m validation --backend "$backend" --out /tmp/validation-report --no-plots
cp /tmp/validation-report/report.md "$OUT/validation_report.md" 2>/dev/null
# 3.-5. figures (each invocation appends to gpu_figures.json / .md)
[ "${STAGES:-all}" = all ] && rm -f "$OUT/gpu_figures.json" "$OUT/gpu_figures.md"
stage "bench cg,ct" 80 90 bench_gpu.log "$PY" benchmarks/bench_gpu.py --out "$OUT" --sections cg,ct "${quick[@]}"
stage "bench dcdm" 150 0 bench_gpu.log "$PY" benchmarks/bench_gpu.py --out "$OUT" --sections dcdm "${quick[@]}"
stage "bench funbat,fno,ns" 100 0 bench_gpu.log "$PY" benchmarks/bench_gpu.py --out "$OUT" --sections fno,ns,funbat "${quick[@]}"
say "done in ${SECONDS}s"
echo; echo "== tests:"; grep -E "passed|failed|error" "$OUT/tests.log" | tail -3
echo "== validation:"; tail -1 "$OUT/validation.log"
echo "== figures:"; cat "$OUT/gpu_figures.md" 2>/dev/null
