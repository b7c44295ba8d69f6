"""The anchor's iteration: neural-preconditioned steepest descent with orthogonalisation (NPSDO;
Lan, Gueidon, Kaneda, Panetta, Teran, ICML 2024, arXiv 2310.00177), and its solver object.

Each step applies the network once to the residual, A-orthogonalises the output against the
previous ``n_orthogonal`` directions (2 in the anchor) and takes the exact line search.  That is
:func:`solvers.dcdm` with one network application per step (no coarse levels) and, by default, no
Jacobi safeguard, so it is run through :func:`solvers.dcdm` rather than copied: one loop, two
presets.  ``make_solver(A, "npsdo", model=...)`` is its solver object; its
:meth:`~solvers.LinearSolver.aspreconditioner` is the network itself (one application, masked to
the fluid, on a closed domain projected onto the range): a nonlinear preconditioner, for a
flexible Krylov method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..solver_registry import register_solver
from .coarse import network_directions
from .iteration import DCDMInfo, dcdm
from .linear_method import DCDMSolver

__all__ = ["NPSDOSolver", "npsdo"]


def npsdo(A: Any, b: Any, x0: Any | None = None, *, model: Any, grid_shape: tuple[int, ...] | None = None,
          rtol: float = 1e-6, atol: float = 0.0, maxiter: int | None = None,
          callback: Callable[[Any], None] | None = None, n_orthogonal: int = 2, safeguard: bool | str = False,
          fluid: Any | None = None, cell_types: Any | None = None) -> tuple[Any, DCDMInfo]:
    """Solve ``A x = b`` by neural-preconditioned steepest descent with orthogonalisation (the anchor's NPSDO).

    Parameters are those of :func:`solvers.dcdm` with the anchor's defaults: one network
    application per step (``coarse_levels=0``), ``n_orthogonal=2``, ``safeguard=False`` (pass
    ``"switch"`` for the Jacobi safeguard).

    Returns
    -------
    x : array
    info : DCDMInfo

    Raises
    ------
    ValueError
        As :func:`solvers.dcdm`.

    Examples
    --------
    >>> from solvers import load_pretrained
    >>> from solvers.deep_conjugate import npsdo
    >>> from solvers.obstacles import box, smooth_rhs
    >>> geometry = box((32, 32))
    >>> x, info = npsdo(geometry.operator(), smooth_rhs(geometry).ravel(), model=load_pretrained("poisson2d"))
    >>> info.converged, info.iterations < 60      # CG needs 140
    (True, True)
    """
    return dcdm(A, b, x0, model=model, grid_shape=grid_shape, rtol=rtol, atol=atol, maxiter=maxiter,
                callback=callback, coarse_levels=0, n_orthogonal=n_orthogonal, safeguard=safeguard, fluid=fluid,
                cell_types=cell_types)


class NPSDOSolver(DCDMSolver):
    """NPSDO (:func:`npsdo`) as a solver object: ``make_solver(A, "npsdo", model=...)``.

    Options: ``model`` (required), ``grid_shape``, ``n_orthogonal``, ``safeguard``, ``fluid``,
    ``cell_types`` (read from ``A`` at set-up for a geometry-conditioned model).
    :meth:`aspreconditioner` applies the network once (a nonlinear operator: use a flexible method).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import load_pretrained, make_solver
    >>> from solvers.obstacles import box_with_ball, smooth_rhs
    >>> geometry = box_with_ball((32, 32))
    >>> solver = make_solver(geometry.operator(), "npsdo", model=load_pretrained("poisson2d"))
    >>> M = solver.aspreconditioner()
    >>> M.matvec(smooth_rhs(geometry).ravel()).shape
    (1024,)
    """

    method = "npsdo"
    _options = ("model", "grid_shape", "n_orthogonal", "safeguard", "fluid", "cell_types")

    def _solve_impl(self, b, x0, tolerance):
        x, info = npsdo(self._operator, b, x0, rtol=0.0, atol=tolerance, maxiter=self._maxiter(), **self.options)
        info.method = self.method
        return x, info

    def _preconditioner_apply(self, r):
        model = self.options["model"]
        grid_shape = self.options.get("grid_shape") or self.grid_shape
        if grid_shape is None:
            raise ValueError("method 'npsdo' needs grid_shape= for aspreconditioner when A is not a grid operator")
        if not hasattr(model, "parameters"):
            q = model(r)
        else:
            q = network_directions(model, r / max(float((r @ r) ** 0.5), 1e-300), grid_shape,
                                   cell_types=self.options.get("cell_types"))[0]
        fluid = self.options.get("fluid", getattr(self.A, "fluid", None))
        if fluid is not None:
            q = q * fluid.reshape(-1)
        return q if self._closed is None else self._closed.project_range(q)


register_solver("npsdo", NPSDOSolver)
