"""The registered problems of the shipped studies: one PDE solve per point, returning named outputs.

A problem is a function of keyword parameters that returns a mapping: numbers become columns of the
results table, arrays are stored in the point's zarr group. The metrics of :mod:`.metrics` read the
outputs ``solution`` and ``exact``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["burgers_sine", "krylov_poisson", "poisson_sine"]


def poisson_sine(*, n: int, dim: int = 1, backend: str = "numpy", rtol: float = 1e-12) -> dict[str, Any]:
    """Solve ``-Δu = f`` for the Dirichlet sine mode on ``n`` cells per axis (:func:`solvers.solve_poisson`).

    Returns ``solution`` and ``exact`` (numpy, at the cell centres) and CG's ``iterations``.

    Examples
    --------
    >>> from sciml.studies.problems import poisson_sine
    >>> out = poisson_sine(n=16)
    >>> out["solution"].shape, out["iterations"] > 0
    ((16,), True)
    """
    from sciml.backend import to_numpy
    from solvers import solve_poisson
    from validation.exact import PoissonSineMode

    exact = PoissonSineMode(dim)
    res = solve_poisson(exact.source, n, dim=dim, backend=backend, rtol=rtol)
    return {"solution": to_numpy(res.solution), "exact": to_numpy(exact.solution(*res.coordinates())),
            "iterations": int(res.info.iterations)}


def krylov_poisson(*, n: int, method: str, dim: int = 2, rtol: float = 1e-8) -> dict[str, Any]:
    """Solve ``A x = A u`` on the ``n^dim`` Dirichlet Laplacian with ``make_solver(A, method)``.

    ``u = Π sin(π x_i) exp(x_i)`` at the cell centres (not an eigenvector of ``A``, so every
    method iterates). The discrete solution is ``u`` itself, so ``rel_l2`` measures the solver,
    not the discretisation.
    Returns ``solution``, ``exact``, ``iterations`` and the solver's ``reason``.

    Examples
    --------
    >>> from sciml.studies.problems import krylov_poisson
    >>> out = krylov_poisson(n=16, method="pcg-ic0")
    >>> out["reason"], 5 < out["iterations"] < 20
    ('converged', True)
    """
    import numpy as np

    from solvers import Laplacian, make_solver

    A = Laplacian((n,) * dim)
    exact = np.ones(A.grid_shape)
    for c in A.cell_centers():
        exact = exact * (np.sin(np.pi * c) * np.exp(c))
    x, info = make_solver(A, method, rtol=rtol).solve(A @ exact)
    return {"solution": x, "exact": exact, "iterations": int(info.iterations), "reason": str(info.reason)}


def burgers_sine(*, nu: float, resolution: int, t_final: float = 0.2, dt: float = 1e-3,
                 amplitude: float = 1.0) -> dict[str, Any]:
    """Periodic Burgers from ``u0 = A sin(2πx)`` (:func:`solvers.pde.solve_burgers`) against Cole–Hopf.

    Returns ``solution`` and ``exact`` (:class:`validation.exact.BurgersSine`) at ``t_final`` on the
    ``resolution`` points ``x_j = j / resolution``.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.studies.problems import burgers_sine
    >>> out = burgers_sine(nu=0.1, resolution=32)
    >>> bool(np.max(np.abs(out["solution"] - out["exact"])) < 1e-6)
    True
    """
    import numpy as np

    from solvers.pde import solve_burgers
    from validation.exact import BurgersSine

    x = np.arange(resolution) / resolution
    res = solve_burgers(amplitude * np.sin(2 * np.pi * x)[None, :], nu=nu, t_final=t_final, dt=dt)
    exact = BurgersSine(nu=nu, amplitude=amplitude).solution(x, t=t_final)
    return {"solution": res.final[0], "exact": exact}
