"""The one result of every PDE (and ODE) solve of :mod:`solvers`: :class:`PDESolution`.

A solve returns the solution together with where it lives (the grid), when (the saved times,
or None for a steady problem) and, for an iterative solve, how the iteration went (``info``).
Linear solvers keep scipy's ``(x, info)``; this class is for the functions that solve an
equation (:func:`solvers.solve_poisson` and the solvers of :mod:`solvers.pde`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, backend_name

from ..grid import Grid

__all__ = ["PDESolution"]


@dataclass(frozen=True, eq=False)
class PDESolution:
    """The solution of a PDE on its grid, at its saved times, with the solver's report.

    Axes of ``solution``: the batch axes first (one per input function or field, where the
    solver is batched), then the time axis when ``times`` is not None, then the space axes
    (one per axis of ``grid``; :func:`~solvers.pde.solve_ode` with a callable right-hand side
    adds a trailing state axis).  An evolution solver that returns only its final state still
    has a time axis of length 1 (``times == [t_final]``); :attr:`final` drops it.

    Attributes
    ----------
    solution : array
        The solution, on the backend of the solver's input.
    grid : Grid or tuple of arrays
        Where the space axes live: the :class:`solvers.Grid` of a cell-centred solve
        (:func:`solvers.solve_poisson`, :func:`solvers.pde.solve_darcy`), or one 1-D
        coordinate array per space axis for vertex and periodic grids
        (:func:`~solvers.pde.solve_diffusion_reaction`, :func:`~solvers.pde.solve_burgers`,
        :func:`~solvers.pde.solve_navier_stokes_2d`).  For :func:`~solvers.pde.solve_ode` the
        one coordinate is the evaluation points, ``(P,)`` or ``(n_functions, P)``.
    times : 1-D array or None
        The times of the time axis; None for a steady problem, and for :func:`solve_ode`,
        whose independent variable is the grid coordinate.
    info : object or None
        The iteration report of an iterative solve (:class:`solvers.KrylovInfo` for
        :func:`solvers.solve_poisson`); None for direct and time-stepping solvers.
    operator : GridOperator or None
        The discrete operator of a single assembled linear system, ``operator(solution) = rhs``
        (:func:`solvers.solve_poisson`); None where a solver assembles none or one per sample.
    rhs : array or None
        The assembled right-hand side of that system (source plus boundary terms), with
        ``operator``; None otherwise.

    Raises
    ------
    ValueError
        ``times`` that is not 1-D or does not match the time axis of ``solution``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import PDESolution
    >>> x, t = np.linspace(0, 1, 5), np.array([0.0, 0.5, 1.0])
    >>> res = PDESolution(solution=np.zeros((2, 3, 5)), grid=(x,), times=t)   # 2 functions, 3 times
    >>> res.final.shape, res.coordinates()[0].shape
    ((2, 5), (5,))
    """

    solution: Any
    grid: Grid | tuple[Any, ...]
    times: Any | None = None
    info: Any | None = None
    operator: Any | None = None
    rhs: Any | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.grid, (Grid, tuple)):
            raise TypeError(f"grid must be a Grid or a tuple of coordinate arrays, got {type(self.grid).__name__}")
        if self.times is not None:
            shape = tuple(self.solution.shape)
            axis = len(shape) - 1 - self.space_dim
            if self.times.ndim != 1 or axis < 0 or shape[axis] != self.times.shape[0]:
                raise ValueError(f"times must be 1-D with one entry per step of the time axis of solution "
                                 f"(shape {shape}, {self.space_dim} space axes), got shape {tuple(self.times.shape)}")

    @property
    def space_dim(self) -> int:
        """Number of space axes (the last axes of ``solution``)."""
        return self.grid.dim if isinstance(self.grid, Grid) else len(self.grid)

    @property
    def final(self) -> Any:
        """The solution at the last saved time (the time axis dropped); ``solution`` for a steady problem.

        Examples
        --------
        >>> import numpy as np
        >>> from solvers.pde import solve_burgers
        >>> res = solve_burgers(np.zeros((3, 16)), t_final=0.1, dt=0.05)
        >>> res.solution.shape, res.final.shape
        ((3, 1, 16), (3, 16))
        """
        if self.times is None:
            return self.solution
        return self.solution[(..., -1) + (slice(None),) * self.space_dim]

    def coordinates(self) -> tuple[Any, ...]:
        """The coordinates of the space axes, one array per axis shaped to broadcast against them.

        On the backend of ``solution``: the cell centres of a :class:`Grid`, or the 1-D
        coordinate arrays reshaped (``(n, 1)`` and ``(1, m)`` in 2-D; unchanged in 1-D).

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import solve_poisson
        >>> res = solve_poisson(1.0, (8, 4))
        >>> [c.shape for c in res.coordinates()]
        [(8, 1), (1, 4)]
        """
        if isinstance(self.grid, Grid):
            return self.grid.cell_centers(backend=backend_name(self.solution))
        d = len(self.grid)
        if d == 1:
            return self.grid
        xp = array_namespace(*self.grid)
        return tuple(xp.reshape(c, tuple(-1 if k == axis else 1 for k in range(d))) for axis, c in enumerate(self.grid))
