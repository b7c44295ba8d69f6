#!/usr/bin/env bash
# Fetch, here, the Python packages the GPU machine lacks, as wheels for its Python 3.12, into .whl/
# (ignored by git; carried to the device with carry [".whl"]).  About 10 MB.  The machine's image
# already has torch, cupy, scipy, numpy, matplotlib, tqdm, pytest, pytest-xdist, hypothesis, mpmath.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .git/info .whl
grep -qxF "/.whl/" .git/info/exclude 2>/dev/null || echo "/.whl/" >> .git/info/exclude
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl \
    neuraloperator==2.0.0 tensorly==0.10.0 tensorly-torch==0.5.0 array-api-compat==1.16.0 \
    array-api-strict==2.6.1 pyamg==5.4.1
ls -la .whl
