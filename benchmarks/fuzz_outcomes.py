"""Outcome counts of the fuzz suite (issue 16's table in benchmarks/RESULTS.md and reliability.md).

Runs ``tests/test_fuzz_*.py`` (and the storage-fault and coverage tests) with pytest on two workers,
with ``SCIML_FUZZ_TALLY`` set so that every bounded call of the harness (tests/fuzz_support.py)
appends its outcome, then prints per file: the number of calls, how many returned a result (which
the property then checked against its oracle), how many were refused with a documented exception,
crashes (undocumented exceptions) and hangs, and pytest's own summary line.

Usage::

    python benchmarks/fuzz_outcomes.py                  # the ci profile, as in make test
    python benchmarks/fuzz_outcomes.py --profile long   # the deeper local run
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--workers", default="2")
    args = parser.parse_args()
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_fuzz_*.py"))
    files += ["tests/test_storage_faults.py", "tests/test_public_api_coverage.py"]
    with tempfile.TemporaryDirectory() as folder:
        tally = Path(folder) / "tally.txt"
        env = {**os.environ, "SCIML_FUZZ_TALLY": str(tally), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", args.workers,
                              f"--hypothesis-profile={args.profile}", "-W", "ignore", *files],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        lines = tally.read_text().splitlines() if tally.exists() else []
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in lines:
        test, _, outcome = line.rpartition(" ")
        counts[test.split("::")[0]][outcome] += 1
    print(f"| file | calls | result (checked) | refused | crash | hang | silent |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = collections.Counter()
    for name in sorted(counts):
        c = counts[name]
        total += c
        print(f"| {name} | {sum(c.values())} | {c['result']} | {c['refused']} | {c['crash']} | {c['hang']} "
              f"| {c['silent']} |")
    print(f"| **all** | {sum(total.values())} | {total['result']} | {total['refused']} | {total['crash']} "
          f"| {total['hang']} | {total['silent']} |")
    summary = [line for line in run.stdout.splitlines() if " passed" in line or " failed" in line]
    print(f"\npytest ({args.profile} profile, {args.workers} workers, {seconds:.0f} s wall): "
          f"{summary[-1] if summary else run.stdout[-500:]}")
    if run.returncode:
        print(run.stdout[-4000:])


if __name__ == "__main__":
    main()
