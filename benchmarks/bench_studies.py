"""The figures of the studies issue, measured side by side in one run.

1. The 4 x 3 Burgers viscosity x resolution sweep (``studies/burgers_viscosity.yaml``) on a 2-worker
   Dask ``LocalCluster`` (start and shutdown included): < 60 s, 12 complete rows, and the serial run's
   metrics equal to rtol 1e-12.
2. Store overhead per point (zarr group + Parquet row + bookkeeping) for a point with 1 MB of arrays:
   <= 20 ms. Measured as (run time - time inside the problem) / points, serial.
3. A second ``run`` of a complete 100-point study: zero calls, < 1 s.
4. 10,000 cheap points on 2 Dask workers: finishes; store bytes per point at 1,000 and 10,000 points;
   ``status`` < 2 s.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_studies.py [--points 10000]``
(about 2 minutes on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CALLS = "SCIML_BENCH_CALLS"


def megabyte(*, x: float) -> dict:
    """A point with 1 MB of arrays (two float64 arrays of 65,536 values) and almost no computation."""
    path = os.environ.get(CALLS)
    if path:
        with open(path, "a") as f:
            f.write("1\n")
    rng = np.random.default_rng(int(x) + 1)           # incompressible data, as a PDE field mostly is
    return {"solution": rng.random(65_536), "exact": rng.random(65_536), "value": float(x)}


def cheap(*, i: int) -> float:
    return 0.5 * i


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def burgers(tmp: Path) -> dict:
    from sciml.studies import Study

    spec = ROOT / "studies" / "burgers_viscosity.yaml"
    dask = Study.from_yaml(spec, overrides=[f"store={tmp / 'burgers-dask'}"])
    start = time.perf_counter()
    summary = dask.run("dask", workers=2, progress=False)
    t_dask = time.perf_counter() - start
    serial = Study.from_yaml(spec, overrides=[f"store={tmp / 'burgers-serial'}"])
    start = time.perf_counter()
    serial.run("serial", progress=False)
    t_serial = time.perf_counter() - start
    a, b = dask.results(), serial.results()
    rel = float(np.max(np.abs(a["rel_l2"] - b["rel_l2"]) / np.abs(b["rel_l2"])))
    return {"rows": int((a["status"] == "ok").sum()), "ok": summary.ok, "dask_s": t_dask, "serial_s": t_serial,
            "max_rel_diff": rel, "rel_l2_min": float(a["rel_l2"].min()), "rel_l2_max": float(a["rel_l2"].max())}


def overhead(tmp: Path, n: int = 50) -> dict:
    from sciml.studies import Study, StudyStore

    study = Study(problem=megabyte, grid={"product": {"x": list(range(n))}}, metrics=["rel_l2"],
                  store=tmp / "overhead")
    Study(problem=megabyte, grid={"product": {"x": [-1]}}, store=tmp / "warm").run(progress=False)  # imports
    start, cpu = time.perf_counter(), time.process_time()
    study.run(progress=False)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    inside = float(study.results()["wall_time"].sum())
    # the store's two parts alone, on the same arrays
    arrays = megabyte(x=0)
    store = StudyStore(tmp / "parts")
    start = time.perf_counter()
    for i in range(n):
        store.write_arrays(f"a{i:04d}", arrays)
    t_arrays = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(n):
        store.write_rows([{"key": f"a{i:04d}", "status": "ok", "rel_l2": 0.1}])
    t_rows = time.perf_counter() - start
    return {"points": n, "total_s": total, "per_point_ms": 1e3 * total / n,
            "overhead_ms": 1e3 * (total - inside) / n, "overhead_cpu_ms": 1e3 * (cpu - inside) / n,
            "zarr_group_ms": 1e3 * t_arrays / n, "parquet_row_ms": 1e3 * t_rows / n,
            "store_mb": _size(study.store.path) / 1e6}


def rerun(tmp: Path, n: int = 100) -> dict:
    from sciml.studies import Study

    calls = tmp / "calls.txt"
    os.environ[CALLS] = str(calls)
    study = Study(problem=megabyte, grid={"product": {"x": list(range(n))}}, store=tmp / "rerun")
    study.run(progress=False)
    first = calls.read_text().count("\n")
    start = time.perf_counter()
    summary = study.run(progress=False)
    seconds = time.perf_counter() - start
    del os.environ[CALLS]
    return {"points": n, "first_calls": first, "second_calls": calls.read_text().count("\n") - first,
            "computed": summary.computed, "rerun_s": seconds}


def scale(tmp: Path, n: int) -> dict:
    from sciml.studies import Study

    out = {}
    for points in (n // 10, n):
        study = Study(problem=cheap, grid={"product": {"i": list(range(points))}}, store=tmp / f"scale-{points}")
        start = time.perf_counter()
        summary = study.run("dask", workers=2, progress=False)
        out[f"run_s_{points}"] = time.perf_counter() - start
        out[f"ok_{points}"] = summary.ok and summary.computed == points
        out[f"bytes_per_point_{points}"] = _size(study.store.path) / points
        start = time.perf_counter()
        status = Study(problem=cheap, grid={"product": {"i": list(range(points))}},
                       store=tmp / f"scale-{points}").status()     # a fresh object: keys hashed again
        out[f"status_s_{points}"] = time.perf_counter() - start
        out[f"complete_{points}"] = status.complete
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="points of the scale test")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")])
    # the problems must be importable by name in worker processes: run them from this module's name
    import bench_studies

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, result in [("burgers 4x3, LocalCluster(2) vs serial", bench_studies.burgers(tmp)),
                             ("overhead per point, 1 MB arrays, serial", bench_studies.overhead(tmp)),
                             ("rerun of a complete 100-point study", bench_studies.rerun(tmp)),
                             (f"scale, cheap points, LocalCluster(2)", bench_studies.scale(tmp, args.points))]:
            print(name)
            for key, value in result.items():
                print(f"  {key:>22}: {value:.4g}" if isinstance(value, float) else f"  {key:>22}: {value}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
