"""Validation checks of DCDM with the shipped models (registered through ``validation.checks``)."""

from __future__ import annotations

from sciml.backend import namespace_for, to_numpy
from validation import exact
from validation.checks import CheckOutcome, CheckRegistry
from validation.metrics import relative_l2


def _dcdm_poisson(backend: str, dim: int = 2) -> CheckOutcome:
    from scipy.sparse.linalg import spsolve

    from solvers import Laplacian, ObstacleLaplacian, cg

    from .iteration import dcdm
    from .pretrained import load_pretrained

    xp = namespace_for(backend)
    problem = exact.PoissonManufactured(dim)  # non-separable, inhomogeneous Dirichlet data
    name, shape = ("poisson2d", (64, 64)) if dim == 2 else ("poisson3d", (32, 32, 32))
    A = ObstacleLaplacian(xp.zeros(shape, dtype=xp.bool), bc="dirichlet")
    centres = A.cell_centers()
    rhs = xp.broadcast_to(problem.source(*centres), shape) + Laplacian(shape).boundary_rhs(problem.boundary,
                                                                                          backend=backend)
    f = xp.reshape(rhs, (-1,))
    model = load_pretrained(name, device="cuda" if backend == "cupy" else "cpu")
    u, info = dcdm(A, f, model=model, grid_shape=shape, rtol=1e-8)
    _, plain = cg(A, f, rtol=1e-8)
    reference = xp.reshape(xp.broadcast_to(problem.solution(*centres), shape), (-1,))
    error = relative_l2(u, reference)
    direct = relative_l2(xp.asarray(spsolve(A.to_sparse(backend="numpy").tocsc(), to_numpy(f))), reference)
    faster = info.converged and info.iterations < plain.iterations
    grid = "x".join(map(str, shape))
    return CheckOutcome(error=error if faster else float("inf"), tolerance=1.01 * direct,
                        measure="relative L2 to exact",
                        details=f"pretrained {name} (trained on the open-top box) on the manufactured solution "
                                f"1/(1 + α|x - c|²), {grid} Dirichlet box, rtol 1e-8: DCDM {info.iterations} "
                                f"iterations ({info.fallbacks} fallbacks), CG {plain.iterations}; the direct solve's "
                                f"discretisation error is {direct:.3e} (tolerance 1.01x that; error shown as inf if "
                                f"DCDM did not converge in fewer iterations than CG)")


def register(registry: CheckRegistry) -> None:
    """Add the DCDM checks to ``registry``."""
    registry.check("dcdm-pretrained-poisson", component="solvers",
                   description="DCDM with the shipped 2D model reaches discretisation accuracy in fewer iterations "
                               "than CG", backends=("numpy", "cupy"), requires=("torch",))(_dcdm_poisson)
    registry.check("dcdm-pretrained-poisson-3d", component="solvers",
                   description="DCDM with the shipped 3D model (32³) reaches discretisation accuracy in fewer "
                               "iterations than CG", backends=("numpy", "cupy"), requires=("torch",))(
        lambda backend: _dcdm_poisson(backend, dim=3))
