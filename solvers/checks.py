"""The solvers' contribution to the validation report (entry point ``validation.checks``).

Second-order convergence of :func:`solvers.solve_poisson` to the exact Poisson solutions
in 1, 2 and 3 dimensions (Dirichlet sine modes, the non-separable manufactured solution
with inhomogeneous Dirichlet data, Neumann cosine modes), and CG against a sparse direct
solve.
"""

from __future__ import annotations

from sciml.backend import namespace_for, to_numpy
from validation import exact
from validation.checks import CheckOutcome, CheckRegistry
from validation.metrics import observed_order, relative_l2

from .krylov import cg
from .poisson import solve_poisson

__all__ = ["register", "poisson_convergence"]

#: Cells per axis of the convergence studies.
RESOLUTIONS = {1: (16, 32, 64, 128), 2: (16, 32, 64, 128), 3: (8, 16, 32, 64)}


def poisson_convergence(problem: exact.ExactSolution, *, backend: str = "numpy",
                        resolutions=None) -> CheckOutcome:
    """Relative L2 errors of the discrete Poisson solution on refined grids, and their order."""
    xp = namespace_for(backend)
    ns = resolutions or RESOLUTIONS[problem.dim]
    errors, hs = [], []
    for n in ns:
        result = solve_poisson(problem.source, n, dim=problem.dim, domain=problem.domain, bc=problem.bc,
                               boundary=problem.boundary, backend=backend, rtol=1e-12)
        u_exact = xp.broadcast_to(problem.solution(*result.coords), result.operator.grid_shape)
        if result.operator.singular:
            u_exact = u_exact - xp.mean(u_exact)
        errors.append(relative_l2(result.u, u_exact))
        hs.append(max(result.operator.spacing))
    # A 1D profile through the middle of the finest grid for the report.
    axis_cut = tuple(slice(None) if i == 0 else n // 2 for i in range(problem.dim))
    profile = {
        "x": to_numpy(xp.reshape(result.coords[0], (-1,))).tolist(),
        "approx": to_numpy(result.u[axis_cut]).tolist(),
        "exact": to_numpy(u_exact[axis_cut]).tolist(),
        "xlabel": "x (cut through the middle of the finest grid)",
    }
    return CheckOutcome(
        error=errors[-1], tolerance=1e-3, observed_order=observed_order(errors, hs), expected_order=2.0,
        order_tolerance=0.1, convergence={"h": hs, "errors": errors}, profile=profile,
        measure="relative L2",
        details=f"cells per axis {list(ns)}, CG iterations on the finest grid: {result.info.iterations}",
    )


def _cg_against_direct(backend: str) -> CheckOutcome:
    import numpy as np
    import scipy.sparse.linalg as spla

    problem = exact.PoissonManufactured(2)
    result = solve_poisson(problem.source, 48, dim=2, boundary=problem.boundary, backend=backend, rtol=1e-13)
    A = result.operator.to_sparse()
    f = to_numpy(result.operator.boundary_rhs(problem.boundary)) + np.broadcast_to(
        problem.source(*result.operator.cell_centers()), result.operator.grid_shape)
    direct = spla.spsolve(A.tocsc(), f.reshape(-1)).reshape(result.operator.grid_shape)
    error = relative_l2(to_numpy(result.u), direct)
    return CheckOutcome(error=error, tolerance=1e-10, measure="relative L2 vs spsolve",
                        details=f"48x48 manufactured problem, {result.info.iterations} CG iterations")


def register(registry: CheckRegistry) -> None:
    """Add the solver checks to ``registry``."""
    for dim in (1, 2, 3):
        for problem in (exact.PoissonSineMode(dim, modes=(1, 2, 1)[:dim]), exact.PoissonManufactured(dim),
                        exact.PoissonCosineMode(dim, modes=(2, 1, 1)[:dim])):
            registry.check(
                f"solvers-{problem.name}", component="solvers",
                description=f"second-order convergence of the {dim}D {problem.bc} Poisson solve to {problem.name}",
            )(lambda backend, problem=problem: poisson_convergence(problem, backend=backend))
    registry.check("solvers-cg-vs-direct", component="solvers",
                   description="matrix-free CG agrees with a sparse direct solve")(_cg_against_direct)
