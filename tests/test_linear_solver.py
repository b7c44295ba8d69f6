"""Solver objects (solvers.make_solver): every registered method over a small case table, as scipy's
test_iterative does, plus set-up reuse, update, failure policy, reason codes and bad input."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import solvers
from solvers import (SOLVERS, ConvergenceError, ConvergenceWarning, DiffusionOperator, Grid, KrylovInfo, Laplacian,
                     ObstacleLaplacian, cg, ic0, make_solver, pcg)
from solvers.linear_methods import CGSolver

pytest.importorskip("pyamg")

N = 24


def _disc(n):
    x = (np.arange(n) + 0.5) / n
    return (x[:, None] - 0.5) ** 2 + (x[None, :] - 0.4) ** 2 < 0.15 ** 2


def _coefficient(seed):
    return np.exp(np.random.default_rng(seed).standard_normal((N, N)))


CASES = {
    "poisson": lambda: Laplacian((N, N)),
    "obstacle": lambda: ObstacleLaplacian(_disc(N)),
    "diffusion": lambda: DiffusionOperator(_coefficient(0), grid=Grid((N, N))),
}
BUILT_IN = ("cg", "pcg-jacobi", "pcg-ic0", "amg", "direct", "dcdm")
METHODS = sorted(set(BUILT_IN) | set(SOLVERS))


def _options(method):
    return {"model": lambda r: r} if method in ("dcdm", "npsdo") else {}   # a trivial "network": DCDM = Jacobi-safeguarded


def _rhs(A, seed=1):
    b = np.random.default_rng(seed).standard_normal(A.shape[0])
    solid = getattr(A, "solid", None)
    if solid is not None:
        b[np.asarray(solid).ravel()] = 0.0
    return b


@pytest.fixture(params=[(m, c) for m in METHODS for c in CASES], ids=lambda p: f"{p[0]}-{p[1]}")
def solver(request):
    method, case = request.param
    A = CASES[case]()
    return make_solver(A, method, rtol=1e-8, **_options(method))


def test_every_method_reaches_rtol_against_a_direct_solve(solver):
    A = solver.A.to_sparse()
    b = _rhs(solver.A)
    x, info = solver.solve(b)
    reference = spla.spsolve(A.tocsc(), b)
    assert info.converged and info.reason == "converged" and info.method == solver.method
    assert np.linalg.norm(b - A @ x) <= 1e-8 * np.linalg.norm(b) * (1 + 1e-9)
    assert np.linalg.norm(x - reference) <= 1e-4 * np.linalg.norm(reference)
    assert x.shape == b.shape and x.dtype == b.dtype


def test_stats_count_and_setup_is_done_once(solver, monkeypatch):
    calls = []
    original = type(solver)._setup
    monkeypatch.setattr(type(solver), "_setup", lambda self: (calls.append(1), original(self))[1])
    iterations = []
    for seed in range(4):
        _, info = solver.solve(_rhs(solver.A, seed))
        iterations.append(info.iterations)
    stats = solver.stats
    assert calls == [] and stats.setups == 1 and stats.solves == 4
    assert stats.iterations == sum(iterations) and stats.last_iterations == iterations[-1]
    assert stats.solve_time > 0 and stats.setup_time > 0
    assert solver.method in repr(solver) and "4 solves" in repr(solver)


def test_update_with_new_coefficients_gives_the_new_solution(solver):
    if not isinstance(solver.A, DiffusionOperator):
        pytest.skip("coefficients change on the diffusion case")
    A2 = DiffusionOperator(_coefficient(5), grid=solver.A.grid)
    b = _rhs(A2)
    solver.update(A2)
    x, info = solver.solve(b)
    assert info.converged and solver.stats.updates == 1
    np.testing.assert_allclose(x, spla.spsolve(A2.to_sparse().tocsc(), b), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("method", ["cg", "pcg-ic0", "amg", "direct"])
def test_update_with_a_different_pattern_raises_and_leaves_the_solver_working(method):
    A = ObstacleLaplacian(_disc(N))
    solver = make_solver(A, method, rtol=1e-10)
    b = _rhs(A)
    before, _ = solver.solve(b)
    other = ObstacleLaplacian(np.roll(_disc(N), 5, axis=0))
    with pytest.raises(ValueError, match="different sparsity pattern"):
        solver.update(other)
    poisoned = A.to_sparse().copy()
    poisoned.data[7] = math.nan
    with pytest.raises(ValueError, match="A contains NaN"):
        solver.update(poisoned)
    if method != "direct":
        with pytest.raises(ValueError, match="not symmetric"):
            solver.update(sp.csr_matrix(A.to_sparse() + sp.triu(A.to_sparse(), 1)))
    after, _ = solver.solve(b)
    np.testing.assert_array_equal(before, after)
    assert solver.A is A and solver.stats.updates == 0
    solver.update(other, allow_new_pattern=True)
    x, info = solver.solve(_rhs(other))
    assert info.converged and np.linalg.norm(other.to_sparse() @ x - _rhs(other)) <= 1e-9 * np.linalg.norm(_rhs(other))


def test_on_failure_raise_warn_and_ignore():
    A = Laplacian((32, 32))
    b = np.ones(1024)
    with pytest.raises(ConvergenceError, match="maxiter") as caught:
        make_solver(A, "cg", maxiter=2).solve(b)
    assert caught.value.info.iterations == 2 and caught.value.info.reason == "maxiter"
    solver = make_solver(A, "cg", maxiter=2, on_failure="warn")
    with pytest.warns(ConvergenceWarning, match="no convergence"):
        x, info = solver.solve(b)
    assert not info.converged and info.status == 2 and solver.stats.failures == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, info = make_solver(A, "cg", maxiter=2, on_failure="ignore").solve(b)
    assert info.reason == "maxiter"


def test_fallback_direct_rescues_a_maxiter_failure_and_is_recorded():
    A = Laplacian((32, 32))
    b = np.ones((32, 32))
    solver = make_solver(A, "cg", maxiter=2, fallback="direct")
    x, info = solver.solve(b)
    assert info.converged and info.method == "direct"
    assert info.failed_attempt.reason == "maxiter" and info.failed_attempt.method == "cg"
    assert solver.stats.fallbacks == 1 and solver.stats.failures == 0 and solver.stats.last_iterations == 3
    np.testing.assert_allclose(A.matvec(x), b, atol=1e-9)


def test_nan_in_b_is_refused_naming_b():
    solver = make_solver(Laplacian((8, 8)), "cg")
    b = np.ones(64)
    b[3] = math.nan
    with pytest.raises(ValueError, match="b contains NaN"):
        solver.solve(b)
    with pytest.raises(ValueError, match="x0 contains NaN"):
        solver.solve(np.ones(64), x0=b)


def test_a_nan_from_the_preconditioner_stops_on_that_step():
    A = Laplacian((32, 32)).to_sparse()
    calls = []

    def bad(r):
        calls.append(1)
        return r if len(calls) < 4 else r * math.nan

    x, info = cg(A, np.ones(1024), M=bad, rtol=1e-10)
    assert info.reason == "nan" and info.status == -1 and info.iterations == 3 and len(calls) == 4
    assert np.all(np.isfinite(x))
    solver = make_solver(A, "cg", preconditioner=lambda r: r * math.nan, on_failure="ignore")
    _, info = solver.solve(np.ones(1024))
    assert info.reason == "nan" and info.iterations == 0


def test_a_nan_from_the_operator_stops_on_that_step():
    A = Laplacian((16, 16)).to_sparse()
    count = []

    def matvec(v):
        count.append(1)
        return A @ v if len(count) < 3 else A @ v + math.inf

    _, info = cg(matvec, np.ones(256), rtol=1e-10)
    assert info.reason == "nan" and info.iterations == 3


@pytest.mark.parametrize("dtype, n", [(np.float32, 32), (np.float16, 16)])
def test_low_precision_cg_never_reports_convergence_above_tol(dtype, n):
    A = Laplacian((n, n))
    reference = A.to_sparse() / n ** 2          # the stencil -1, 4, -1: no overflow in float16
    A_low = reference.astype(dtype) if dtype == np.float32 else reference.toarray().astype(dtype)
    b = np.random.default_rng(0).standard_normal(n * n).astype(dtype)
    for rtol in (1e-2, 1e-4, 1e-6, 1e-8):
        x, info = cg(A_low, b, rtol=rtol)
        true = np.linalg.norm(b.astype(np.float64) - reference @ x.astype(np.float64))
        assert x.dtype == dtype
        if info.converged:
            assert true <= rtol * np.linalg.norm(b.astype(np.float64)) * (1 + 1e-6)
        else:
            assert info.reason in ("stagnation", "maxiter", "breakdown", "nan")
    assert not info.converged and info.reason in ("stagnation", "nan")  # 1e-8 is out of reach: said why
    if dtype == np.float16:
        return                                 # float16 CG diverges after the restart until it overflows: "nan"
    assert info.reason == "stagnation" and info.iterations < 1000
    solver = make_solver(A.with_dtype("float32"), "cg", rtol=1e-8, on_failure="ignore")
    x, info = solver.solve(b.astype(np.float32))
    assert x.dtype == np.float32 and info.reason == "stagnation"


def test_aspreconditioner_speeds_up_scipy_cg():
    A = Laplacian((48, 48)).to_sparse()
    b = np.ones(48 * 48)
    counts = {}
    for name, M in [("plain", None), ("ic0", make_solver(A, "pcg-ic0").aspreconditioner()),
                    ("amg", make_solver(A, "amg").aspreconditioner()),
                    ("direct", make_solver(A, "direct").aspreconditioner())]:
        iterations = []
        x, code = spla.cg(A, b, M=M, rtol=1e-8, callback=lambda xk: iterations.append(1))
        assert code == 0 and np.linalg.norm(A @ x - b) <= 1e-7 * np.linalg.norm(b)
        counts[name] = len(iterations)
    assert counts["ic0"] < counts["plain"] / 2 and counts["amg"] < counts["plain"] / 5 and counts["direct"] <= 2


def test_bad_input_is_refused_with_clear_errors():
    A = Laplacian((8, 8))
    solver = make_solver(A, "cg")
    with pytest.raises(ValueError, match=r"b must have shape \(64,\) or \(8, 8\), got \(63,\)"):
        solver.solve(np.ones(63))
    with pytest.raises(TypeError, match="b must be a real floating array, got dtype int64"):
        solver.solve(np.ones(64, dtype=np.int64))
    with pytest.raises(TypeError, match="b must be an array"):
        solver.solve([1.0] * 64)
    nonsymmetric = sp.csr_matrix(np.triu(np.ones((4, 4))) + 3 * np.eye(4))
    with pytest.raises(ValueError, match="not symmetric.*'cg'.*method='direct'"):
        make_solver(nonsymmetric, "cg")
    x, info = make_solver(nonsymmetric, "direct").solve(np.ones(4))
    np.testing.assert_allclose(nonsymmetric @ x, 1.0)
    with pytest.raises(ValueError, match="A contains NaN"):
        make_solver(sp.csr_matrix(np.diag([1.0, math.nan])), "cg")
    with pytest.raises(ValueError, match="method must be one of"):
        make_solver(A, "gmres")
    with pytest.raises(ValueError, match="on_failure"):
        make_solver(A, "cg", on_failure="shout")
    with pytest.raises(ValueError, match="fallback"):
        make_solver(A, "cg", fallback="nothing")
    with pytest.raises(ValueError, match="needs model="):
        make_solver(A, "dcdm")
    with pytest.raises(ValueError, match="takes no options"):
        make_solver(A, "pcg-ic0", omega=2.0)
    with pytest.raises(TypeError, match="needs an assembled matrix"):
        make_solver(spla.aslinearoperator(A.to_sparse()), "pcg-ic0")
    with pytest.raises(ValueError, match="rtol"):
        make_solver(A, "cg", rtol=-1.0)


def test_matrix_free_operator_with_cg():
    A = Laplacian((16, 16)).to_sparse()
    solver = make_solver(spla.aslinearoperator(A), "cg", rtol=1e-10)
    x, info = solver.solve(np.ones(256))
    assert info.converged and np.linalg.norm(A @ x - 1.0) <= 1e-9 * 16


def test_zero_rhs_and_initial_guess():
    A = Laplacian((8, 8))
    solver = make_solver(A, "pcg-ic0", rtol=1e-10)
    x, info = solver.solve(np.zeros((8, 8)))
    assert np.all(x == 0) and info.converged and info.iterations == 0
    exact, _ = solver.solve(np.ones((8, 8)))
    _, info = solver.solve(np.ones((8, 8)), x0=exact)
    assert info.iterations <= 1


def test_registry_is_read_only_and_refuses_a_taken_name():
    with pytest.raises(TypeError):
        SOLVERS["x"] = CGSolver
    with pytest.raises(ValueError, match="registered already"):
        solvers.register_solver("cg", type("Other", (CGSolver,), {}))
    with pytest.raises(TypeError, match="LinearSolver subclass"):
        solvers.register_solver("thing", object)


def test_krylov_info_reason_codes():
    assert KrylovInfo(0, 1, [1.0, 0.0], 0.1).reason == "converged"
    assert KrylovInfo(-1, 1, [1.0], 0.1, reason="breakdown").reason == "breakdown"
    with pytest.raises(ValueError, match="reason"):
        KrylovInfo(0, 0, reason="fine")
    _, info = pcg(Laplacian((8, 8)), np.ones((8, 8)), M=ic0(Laplacian((8, 8)).to_sparse()), rtol=1e-10)
    assert info.reason == "converged"


def _triangular_reference(M, r):
    """``M⁻¹ r`` of an IC factor by scipy's (slow, independent) triangular solves in natural order."""
    y = spla.spsolve_triangular(M.factor, r, lower=True)
    return spla.spsolve_triangular(M.factor.T.tocsr(), M.pivots * y, lower=False)


@pytest.mark.parametrize("A", [Laplacian((12, 9)), Laplacian((5, 6, 7), bc="neumann"), ObstacleLaplacian(_disc(14))],
                         ids=["2d", "3d-pinned", "obstacle"])
@pytest.mark.parametrize("tau", [0.0, 0.97])
def test_level_ordered_ic0_sweeps_equal_natural_order_triangular_solves(A, tau):
    S = A.to_sparse()
    if A.singular:
        S = S + sp.csr_matrix(([S[0, 0]], ([0], [0])), shape=S.shape)   # one cell pinned: SPD
    M = ic0(S, tau=tau)
    assert M.sweeps.startswith("level-ordered")
    r = np.random.default_rng(3).standard_normal(S.shape[0])
    reference = _triangular_reference(M, r)
    np.testing.assert_allclose(M.matvec(r), reference, rtol=1e-12, atol=1e-12 * np.abs(reference).max())
    assert M.matvec(r.astype(np.float32)).dtype == np.float32


def test_ic0_without_pyamg_falls_back_to_superlu(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyamg(name, *args, **kwargs):
        if name.startswith("pyamg"):
            raise ImportError("no pyamg here")
        return real_import(name, *args, **kwargs)

    S = Laplacian((10, 10)).to_sparse()
    r = np.random.default_rng(4).standard_normal(100)
    monkeypatch.setattr(builtins, "__import__", no_pyamg)
    M = ic0(S)
    assert M.sweeps.startswith("SuperLU")
    np.testing.assert_allclose(M.matvec(r), _triangular_reference(M, r), rtol=1e-12, atol=1e-12)


def test_mic0_keeps_the_row_sums_and_cuts_iterations():
    S = Laplacian((32, 32)).to_sparse()
    M = ic0(S, tau=1.0, sigma=0.0)   # full modification: (D + L) D⁻¹ (D + L)ᵀ 1 = A 1
    ones = np.ones(S.shape[0])
    np.testing.assert_allclose(M.factor @ (M.factor.T @ ones / M.pivots), S @ ones, atol=1e-12)
    # IC(0) does not: its dropped fill is missing from the row sums
    ic = ic0(S)
    assert np.abs(ic.factor @ (ic.factor.T @ ones / ic.pivots) - S @ ones).max() > 1e-3
    b = np.random.default_rng(5).standard_normal(S.shape[0])
    its = {m: make_solver(Laplacian((64, 64)), m, rtol=1e-8).solve(np.resize(b, 4096))[1].iterations
           for m in ("cg", "pcg-ic0", "pcg-mic0")}
    assert its["pcg-mic0"] < 0.7 * its["pcg-ic0"] < 0.7 * 0.5 * its["cg"]
    assert "MIC(0)" in repr(make_solver(Laplacian((8, 8)), "pcg-mic0"))
    with pytest.raises(ValueError, match="tau"):
        ic0(S, tau=1.5)
    with pytest.raises(ValueError, match="sigma"):
        ic0(S, tau=0.5, sigma=1.0)


@pytest.mark.parametrize("method", ["cg", "pcg-jacobi", "pcg-mic0", "amg", "direct"])
def test_compute_dtype_float64_takes_float32_data_below_float32_precision(method):
    A = Laplacian((32, 32))
    b = np.random.default_rng(6).standard_normal(1024).astype(np.float32)
    exact = spla.spsolve(A.to_sparse().tocsc(), b.astype(np.float64))
    single = make_solver(A.with_dtype("float32"), method, rtol=1e-10, compute_dtype="float64")
    assert single.compute_dtype == np.float64
    x, info = single.solve(b)
    assert info.converged and x.dtype == np.float32
    # the float64 iterate met 1e-10; x is that iterate rounded to float32
    np.testing.assert_allclose(x, exact, rtol=0, atol=4 * np.finfo(np.float32).eps * np.abs(exact).max())
    if method == "cg":   # without it, float32 arithmetic cannot reach 1e-10 and says so
        _, info = make_solver(A.with_dtype("float32"), "cg", rtol=1e-10, on_failure="ignore").solve(b)
        assert info.reason == "stagnation"


def test_compute_dtype_bad_input():
    for bad in ("int32", "complex128", "nonsense"):
        with pytest.raises(ValueError, match="compute_dtype must be None or a real floating dtype"):
            make_solver(Laplacian((8, 8)), "cg", compute_dtype=bad)


@pytest.mark.parametrize("method, tau", [("pcg-ic0", 0.0), ("pcg-mic0", 0.97)])
def test_the_level_ordered_loop_is_pcg_with_the_natural_order_preconditioner(method, tau):
    A = ObstacleLaplacian(_disc(20))
    S = A.to_sparse()
    b = _rhs(S, seed=9)
    x_ref, info_ref = pcg(S, b, M=ic0(S, tau=tau), rtol=1e-10)       # the function: natural order throughout
    solver = make_solver(A, method, rtol=1e-10)
    assert solver._ordered is not None
    x, info = solver.solve(b)
    assert abs(info.iterations - info_ref.iterations) <= 1
    np.testing.assert_allclose(x, x_ref, atol=1e-9 * np.abs(x_ref).max())
    _, again = solver.solve(b, x0=x)                                   # a starting guess, permuted in
    assert again.iterations <= 1


def test_the_level_ordered_loop_on_a_closed_domain_in_float32():
    A = ObstacleLaplacian(_disc(20), bc="neumann", closed="allow").with_dtype("float32")
    b = _rhs(A.to_sparse(), seed=10).astype(np.float32) + np.float32(1.0)
    b[np.asarray(A.solid).ravel()] = 0.0
    x, info = make_solver(A, "pcg-ic0", rtol=1e-5).solve(b)
    assert info.converged and x.dtype == np.float32
    fluid = ~np.asarray(A.solid).ravel()
    Pb = np.asarray(A.project_range(b.astype(np.float64)))
    residual = A.to_sparse().astype(np.float64) @ x.astype(np.float64) - Pb
    assert np.linalg.norm(residual) <= 2e-5 * np.linalg.norm(Pb)
    assert abs(float(x[fluid].astype(np.float64).mean())) <= 1e-6 * np.abs(x).max()
