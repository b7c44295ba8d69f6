#!/usr/bin/env bash
# Fetch, here, the Python packages the GPU machine lacks, as wheels for its Python 3.12, into .whl/
# (ignored by git; carried to the device with carry [".whl"]).  About 10 MB.
#
# The machine's image (see the device notes, KINDS.md) already has torch, cupy, numpy, scipy,
# matplotlib, h5py, opt-einsum, requests, tqdm, threadpoolctl, pytest, pytest-xdist, pytest-mock,
# pytest-timeout, hypothesis, mpmath.  It lacks this project's neuraloperator, tensorly,
# tensorly-torch, array-api-compat, array-api-strict and pyamg (host AMG, the DCDM baseline).
# neuraloperator 2.0.0 also declares configmypy, ruamel.yaml, zencfg (-> pydantic) and wandb: none of
# them is imported by `neuralop.models` / `neuralop.training.patching`, the only parts used here
# (checked with an import blocker), so they are not carried; the install uses --no-deps.
#
# PYVER=3.11 WHL=.whl-py311 bash benchmarks/gpu_wheels.sh fetches the same set for another Python
# (used only to simulate the device's no-network install on this machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PYVER=${PYVER:-3.12}
WHL=${WHL:-.whl}
mkdir -p .git/info "$WHL"
grep -qxF "/$WHL/" .git/info/exclude 2>/dev/null || echo "/$WHL/" >> .git/info/exclude
# Exactly one version of each: two wheels of one name stop the whole install there.
WHEELS=(neuraloperator==2.0.0 tensorly==0.10.0 tensorly-torch==0.5.0 array-api-compat==1.16.0
        array-api-strict==2.6.1 pyamg==5.4.1)
python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$PYVER" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$WHL" "${WHEELS[@]}"
# Keep only the wanted versions (a stale wheel of another version in the folder would break the install).
for w in "$WHL"/*.whl; do
    name=$(basename "$w" | cut -d- -f1 | tr 'A-Z_' 'a-z-'); version=$(basename "$w" | cut -d- -f2)
    printf '%s\n' "${WHEELS[@]}" | grep -qxF "$name==$version" || { echo "removing stale $w"; rm -f "$w"; }
done
ls -la "$WHL"
du -sh "$WHL"
