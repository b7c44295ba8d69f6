"""Chebyshev–Tucker benchmarks (issue 3): integrals, the long-range Newton potential against
grid-based Tucker, many particles, construction and evaluation speed, d = 4; (issue 19) adaptive
arithmetic, cross approximation against full sampling, degree 1000, Chebfun3's examples.

Run with ``.venv/bin/python benchmarks/bench_chebyshev_tucker.py``; it prints the Markdown
that goes into ``benchmarks/RESULTS.md``.  ``--issue19`` runs the issue-19 part only.  Times are
best-of-N in one process.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.special import erf

from tensor_formats import ChebyshevTucker, hooi, hosvd
from tensor_formats.checks import INTEGRALS
from tensor_formats.potentials import RangeSeparatedPotential

CUBE = [(-1.0, 1.0)] * 3


def best_of(fn, repeat=3):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def long_range(x, y, z, beta=5.0):
    r = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = erf(beta * r) / r
    return np.where(r < 1e-12, 2 * beta / math.sqrt(math.pi), value)


def integrals():
    print("### Integrals on [-1, 1]^3 at tol = 1e-14 (target relative error <= 1e-13)\n")
    print("| function | relative error | degrees | ranks | construction |\n|---|---|---|---|---|")
    for name, (f, value) in INTEGRALS.items():
        t, ct = best_of(lambda f=f: ChebyshevTucker.from_function(f, CUBE, tol=1e-14), 1)
        print(f"| {name} | {abs(ct.integral() - value) / abs(value):.1e} | {ct.degrees} | {ct.ranks} | {t:.2f} s |")


def newton_long_range():
    print("\n### Long-range Newton potential erf(5r)/r, degree 128 (129 points per mode), tol 1e-7\n")
    t_ct, ct = best_of(lambda: ChebyshevTucker.from_function(long_range, CUBE, degree=128, tol=1e-7))
    x = np.linspace(-1, 1, 256)
    slice_ct = ct.on_grid(x, x, np.array([0.0]), full=True)[:, :, 0]
    slice_ex = long_range(x[:, None], x[None, :], 0.0)
    slice_error = np.max(np.abs(slice_ct - slice_ex)) / np.max(np.abs(slice_ex))

    def grid_hosvd():
        g = long_range(x[:, None, None], x[None, :, None], x[None, None, :])
        return hosvd(g, tol=1e-7), g

    t_grid, (tucker_grid, samples) = best_of(grid_hosvd, 1)
    start = time.perf_counter()
    hooi(samples, tucker_grid.ranks, n_iter=5)
    t_hooi = time.perf_counter() - start + (t_grid - 0.0)
    import tensorly as tl
    from tensorly.decomposition import tucker

    start = time.perf_counter()
    tucker(tl.tensor(samples), rank=list(tucker_grid.ranks), init="svd", n_iter_max=5)
    t_tensorly = time.perf_counter() - start
    print(f"- Chebyshev–Tucker construction (2.1 M samples, DCT, HOSVD): **{t_ct:.3f} s**, ranks {ct.ranks} "
          f"(target < 1 s)")
    print(f"- relative max error on the 256² mid-plane slice z = 0: **{slice_error:.2e}** (target <= 1e-7)")
    print(f"- ε-HOSVD (tol 1e-7) of the same function sampled on a 256³ uniform grid: ranks {tucker_grid.ranks} "
          f"(ours {ct.ranks}: within ±2: {all(abs(a - b) <= 2 for a, b in zip(ct.ranks, tucker_grid.ranks))}), "
          f"{t_grid:.2f} s including sampling")
    print(f"- grid HOOI (5 sweeps, our array-API code, after the grid HOSVD): {t_hooi:.2f} s; "
          f"tensorly `tucker` (HOOI, 5 sweeps) on the 256³ samples alone: {t_tensorly:.2f} s")
    print(f"- speed-up of Chebyshev–Tucker over grid HOSVD: **{t_grid / t_ct:.1f}x**, over tensorly HOOI: "
          f"**{t_tensorly / t_ct:.1f}x** (target >= 10x)")
    return ct


def particles():
    print("\n### Many particles: random unit charges in [-0.9, 0.9]^3, degree 128, tol 1e-7, sinc eps 1e-7\n")
    print("| N | CP rank (N·R_l) | Tucker ranks, R_l = ⌈R/2⌉-3 | RHOSVD | full path | ranks, R_l = 10 |")
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(2025)
    for n in (100, 200, 300, 400, 500, 600):
        pos = rng.uniform(-0.9, 0.9, (n, 3))
        q = rng.choice([-1.0, 1.0], n)
        t_r, pot = best_of(lambda: RangeSeparatedPotential(pos, q, degree=128, tol=1e-7, method="rhosvd"), 2)
        t_f, pot_full = best_of(lambda: RangeSeparatedPotential(pos, q, degree=128, tol=1e-7, method="full"), 1)
        short = RangeSeparatedPotential(pos, q, degree=128, tol=1e-7, n_long=10)
        print(f"| {n} | {pot.cp_rank} | {pot.long_range_tucker.ranks} | {t_r:.2f} s | {t_f:.2f} s | "
              f"{short.long_range_tucker.ranks} |")
    g = pot.gaussians
    print(f"\nSinc sum: R = {len(g)} Gaussians, long-range part R_l = {pot.n_long} "
          f"(widest t = {math.sqrt(g.exponents[0]):.2f}, narrowest kept t = {math.sqrt(g.exponents[pot.n_long - 1]):.2f}); "
          f"R_l = 10 keeps t <= {math.sqrt(g.exponents[9]):.2f}.")
    pts = rng.uniform(-1, 1, (3000, 3))
    direct = np.array([np.sum(q / np.linalg.norm(p - pos, axis=1)) for p in pts])
    err = np.max(np.abs(pot(pts) - direct)) / np.max(np.abs(direct))
    print(f"Total potential (Tucker long range + direct short range within r < {pot.cutoff:.3f}) against the "
          f"direct Coulomb sum, N = 600, 3000 points: relative max error {err:.1e}.")


def evaluation(ct_lr):
    print("\n### Evaluation at 10^6 scattered points (target < 1 s for ranks <= 20)\n")
    print("| function | degrees | ranks | time |\n|---|---|---|---|")
    pts = np.random.default_rng(0).uniform(-1, 1, (10**6, 3))
    oblique = ChebyshevTucker.from_function(INTEGRALS["oblique"][0], CUBE, tol=1e-14)
    lr_deg = ChebyshevTucker.from_function(long_range, CUBE, degree=128, tol=1e-12)
    for name, ct in (("erf(5r)/r, tol 1e-7", ct_lr), ("erf(5r)/r, tol 1e-12", lr_deg), ("1/(16+5(x+y+z)), tol 1e-14", oblique)):
        t, _ = best_of(lambda ct=ct: ct(pts), 2)
        print(f"| {name} | {ct.degrees} | {ct.ranks} | {t:.2f} s |")


def four_d():
    print("\n### d = 4: Runge 1/(1 + |x|²) on [-1, 1]^4 at tol 1e-10\n")
    runge = lambda *x: 1.0 / (1.0 + sum(c * c for c in x))  # noqa: E731
    t, ct = best_of(lambda: ChebyshevTucker.from_function(runge, [(-1.0, 1.0)] * 4, tol=1e-10), 1)
    pts = np.random.default_rng(4).uniform(-1, 1, (10_000, 4))
    err = np.max(np.abs(ct(pts) - runge(*pts.T)))
    print(f"- degrees {ct.degrees}, ranks {ct.ranks}, construction {t:.2f} s, max error at 10^4 random points "
          f"**{err:.1e}** (target <= 1e-10), compression ratio {ct.compression_ratio:.0f}")


class Counted:
    """A function that counts how many points it is evaluated at."""

    def __init__(self, f):
        self.f, self.count = f, 0

    def __call__(self, *x):
        self.count += int(np.prod(np.broadcast_shapes(*(np.shape(c) for c in x))))
        return self.f(*x)


def repeated_arithmetic():
    print("\n### Issue 19: repeated arithmetic `f = f * g / g` ten times (target: degrees within +10 %, "
          "error <= 10x tol)\n")
    print("| tol | f degrees, ranks | after 10 rounds | max error / max|f| | time per round |\n|---|---|---|---|---|")
    pts = np.random.default_rng(19).uniform(-1, 1, (4000, 3))
    for tol in (1e-8, 1e-12):
        f0 = ChebyshevTucker.from_function(lambda x, y, z: 1 / (1 + x * x + y * y + z * z), CUBE, tol=tol)
        g = ChebyshevTucker.from_function(lambda x, y, z: np.exp(np.sin(x + y) + 0.5 * np.cos(z)), CUBE, tol=tol)
        exact = 1 / (1 + np.sum(pts**2, axis=1))
        f, start = f0, time.perf_counter()
        for _ in range(10):
            f = f * g / g
        t = (time.perf_counter() - start) / 10
        err = np.max(np.abs(f(pts) - exact)) / np.max(exact)
        print(f"| {tol:g} | {f0.degrees}, {f0.ranks} | {f.degrees}, {f.ranks} | **{err:.1e}** ({err / tol:.1f}x tol) "
              f"| {t:.2f} s |")
    a = ChebyshevTucker.from_function(lambda x, y, z: np.sin(6 * x) * np.cos(y) + z, CUBE, tol=1e-10, degree=60)
    b = ChebyshevTucker.from_function(lambda x, y, z: 1 + x * x + 0 * y * z, CUBE, tol=1e-10, degree=60)
    print(f"\nProduct of two degree-60 objects (sin(6x)cos(y) + z times 1 + x², tol 1e-10): degrees {(a * b).degrees}, "
          f"ranks {(a * b).ranks} (before: degree 120 per mode, no chopping). f - f: ranks {(a - a).ranks}.")


def cross_versus_full():
    print("\n### Issue 19: cross approximation against full sampling (same run; target <= 10 % of the "
          "evaluations at degree >= 100, same accuracy)\n")
    print("| function, tol | method | degrees | ranks | evaluations | vs full | max error / max|f| | time |")
    print("|---|---|---|---|---|---|---|---|")
    pts = np.random.default_rng(7).uniform(-1, 1, (4000, 3))
    pts = np.concatenate([pts, 0.05 * pts[:1000]])  # resolve the peak at the origin too
    cases = [("erf(5r)/r, 1e-7", long_range, 1e-7), ("erf(20r)/r, 1e-7", lambda x, y, z: long_range(x, y, z, 20.0),
                                                     1e-7)]
    cases += [(f"{name}, 1e-14", f, 1e-14) for name, (f, _) in INTEGRALS.items()]
    for label, f, tol in cases:
        exact = f(*pts.T)
        scale = np.max(np.abs(exact))
        rows = {}
        for method in ("full", "cross"):
            counted = Counted(f)
            t, ct = best_of(lambda: ChebyshevTucker.from_function(counted, CUBE, tol=tol, method=method), 1)
            rows[method] = (ct, counted.count, np.max(np.abs(ct(pts) - exact)) / scale, t)
        full_count = rows["full"][1]
        for method, (ct, count, err, t) in rows.items():
            fixed = (max(ct.degrees) + 1) ** 3
            ratio = f"{count / full_count:.1%} of adaptive full, {count / fixed:.1%} of the full grid {fixed:,}"
            print(f"| {label} | {method} | {ct.degrees} | {ct.ranks} | {count:,} | "
                  f"{ratio if method == 'cross' else '—'} | {err:.1e} | {t:.2f} s |")


def degree_1000():
    print("\n### Issue 19: degree 1000 per mode, low rank, by cross approximation\n")

    def f(x, y, z):
        return np.cos(1000 * x + y) * np.cos(900 * z) + np.sin(950 * y) * z

    t, ct = best_of(lambda: ChebyshevTucker.from_function(f, CUBE, tol=1e-10, method="cross"), 1)
    pts = np.random.default_rng(3).uniform(-1, 1, (20_000, 3))
    err = np.max(np.abs(ct(pts) - f(*pts.T)))
    full = math.prod(d + 1 for d in ct.degrees)
    print(f"- cos(1000x + y) cos(900z) + sin(950y) z at tol 1e-10: degrees **{ct.degrees}**, ranks {ct.ranks}, "
          f"**{ct.evaluations:,}** evaluations (the full tensor of these degrees: {full:.2e}), {t:.2f} s, "
          f"max error at 2·10⁴ random points {err:.1e}")


def chebfun3_examples():
    print("\n### Issue 19: Chebfun3's documented examples (Chebfun Guide ch. 18, published digits)\n")
    print("| example | published | ours | difference |\n|---|---|---|---|")
    cube = CUBE
    runge = ChebyshevTucker.from_function(lambda x, y, z: 1 / (1 + x * x + y * y + z * z), cube, tol=1e-15)
    f = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x + y * z), cube, tol=1e-14)
    g = ChebyshevTucker.from_function(lambda x, y, z: np.cos(15 * np.exp(z)) / (5 + x**3 + 2 * y**2 + z), cube,
                                      tol=1e-14)
    sine = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x + 2 * y + 3 * z), cube, tol=1e-14)
    rows = [("runge f(0, .5, .5)", 0.666666666666666, runge(np.array([[0, 0.5, 0.5]]))[0]),
            ("runge sum3", 4.286854062301838, runge.integral()),
            ("runge max3", 1.0, runge.max()),
            ("max3 sin(x+yz)", 1.0, f.max()),
            ("max3 g", 0.319924161452828, g.max()),
            ("max3 f.*g", 0.245859621598817, (f * g).max()),
            ("max3 f+g", 1.170942561020256, (f + g).max()),
            ("sum3 f.*exp(g)", -0.009190066018142, (f * g.apply(np.exp)).integral()),
            ("hosvd sin(x+2y+3z) sv1(1)", 1.698135391441130, float(sine.modal_singular_values()[0][0]))]
    for name, published, ours in rows:
        print(f"| {name} | {published:.15f} | {ours:.15f} | {abs(ours - published):.1e} |")


def issue19():
    repeated_arithmetic()
    cross_versus_full()
    degree_1000()
    chebfun3_examples()


def main():
    import sys

    if "--issue19" in sys.argv:
        issue19()
        return
    integrals()
    ct = newton_long_range()
    particles()
    evaluation(ct)
    four_d()
    issue19()


if __name__ == "__main__":
    main()
