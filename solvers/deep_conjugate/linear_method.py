"""DCDM as a method of :func:`solvers.make_solver` (``method="dcdm"``, ``model=`` a network).

Registered from here, above the numerics layer, so that :mod:`solvers.linear_solver` knows no
learned method.
"""

from __future__ import annotations

from ..linear_solver import LinearSolver
from ..solver_registry import register_solver
from .geometry_input import checked_cell_types
from .iteration import dcdm

__all__ = ["DCDMSolver"]

_OPTIONS = ("model", "grid_shape", "coarse_levels", "n_orthogonal", "safeguard", "fluid", "cell_types")


class DCDMSolver(LinearSolver):
    """The deep conjugate direction method (:func:`solvers.dcdm`) as a solver object.

    ``model=`` is required (e.g. :func:`solvers.load_pretrained`); the other options of
    :func:`solvers.dcdm` (``coarse_levels``, ``n_orthogonal``, ``safeguard``, ``grid_shape``,
    ``fluid``, ``cell_types``) pass through.  The operator is applied as given (matrix-free for a
    grid operator); ``maxiter`` defaults to ``N``.  ``aspreconditioner`` makes one DCDM solve at
    ``rtol = 1e-2``.  A geometry-conditioned model (:class:`~solvers.deep_conjugate.GeometryDCDMNet`)
    has the cell types of ``A`` read once, at set-up.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import make_solver
    >>> from solvers.obstacles import box, smooth_rhs
    >>> geometry = box((32, 32))
    >>> A = geometry.operator()
    >>> solver = make_solver(A, "dcdm", model=lambda r: r, safeguard="switch")   # a trivial "network"
    >>> solver.solve(smooth_rhs(geometry))[1].reason
    'converged'
    """

    method = "dcdm"
    default_maxiter_per_unknown = 1
    _options = _OPTIONS

    def _validate_options(self) -> None:
        unknown = sorted(set(self.options) - set(self._options))
        if unknown:
            raise ValueError(f"method {self.method!r} takes options {self._options}, got unknown {unknown}")
        if "model" not in self.options:
            raise ValueError(f"method {self.method!r} needs model= (a network, e.g. "
                             "solvers.load_pretrained('poisson2d'))")
        if self.preconditioner is not None:
            raise ValueError(f"method {self.method!r} takes no preconditioner")

    def _setup(self) -> None:
        self._operator = self.A
        if getattr(self.options["model"], "takes_cell_types", False):
            grid_shape = self.options.get("grid_shape") or self.grid_shape
            if grid_shape is None:
                raise ValueError(f"method {self.method!r} with a geometry-conditioned model needs grid_shape= when A "
                                 "is not a grid operator")
            self.options["cell_types"] = checked_cell_types(self.A, self.options.get("cell_types"), grid_shape,
                                                            fluid=self.options.get("fluid"))

    def _solve_impl(self, b, x0, tolerance):
        x, info = dcdm(self._operator, b, x0, rtol=0.0, atol=tolerance, maxiter=self._maxiter(), **self.options)
        info.method = self.method
        return x, info

    def _describe(self) -> list[str]:
        return [f"model: {type(self.options['model']).__name__}"]


register_solver("dcdm", DCDMSolver)
