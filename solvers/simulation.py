"""A small 2D incompressible smoke simulation on a MAC grid: :class:`SmokeSimulation`.

The example of a simulation code that calls a linear solver every time step (issue 14): one
:func:`solvers.make_solver` set up in ``__init__`` and called every step for the pressure, and
:meth:`~solvers.LinearSolver.update` when the obstacle moves.  Per step: semi-Lagrangian advection
(bilinear interpolation) of the face velocities and of a cell density, a source (buoyancy in the
closed box, inflow in the wind tunnel), then the projection ``u <- u - gradient(p)`` with
``A p = -divergence(u)`` (:mod:`solvers.staggered`, ``A = -Δ_h`` an :class:`solvers.ObstacleLaplacian`).

Scenarios: ``"closed"``, a box with walls on every face (pressure Neumann everywhere, a singular
``A`` whose constants the solver projects out, ``nullspace="project"``); ``"tunnel"``, inflow
velocity on ``x-`` (pressure Neumann there), outflow on ``x+`` (pressure Dirichlet 0), walls on ``y±``.
The inflow face is a wall for :func:`~solvers.staggered.divergence` (Neumann), so its flux is added
to the divergence here; the projection never changes it (the gradient is 0 on Neumann faces).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import linear_methods  # noqa: F401  (registers the methods of make_solver)
from .obstacles import ObstacleLaplacian
from .solver_registry import make_solver
from .staggered import divergence, gradient, open_faces

__all__ = ["SCENARIOS", "SmokeSimulation", "StepRecord"]

#: The scenarios of :class:`SmokeSimulation` and the pressure boundary conditions of each.
SCENARIOS = {"closed": "neumann", "tunnel": {"x-": "neumann", "x+": "dirichlet", "y": "neumann"}}


@dataclass(frozen=True)
class StepRecord:
    """One step's pressure solve: wall time (s), iterations, relative divergence
    ``||div u_new|| / ||div u_old||`` after the projection, and the mean pressure on the fluid.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.simulation import SmokeSimulation
    >>> block = np.zeros((8, 8), dtype=bool); block[3:5, 3:5] = True
    >>> record = SmokeSimulation(block, scenario="tunnel", method="direct").step()
    >>> record.iterations, record.divergence < 1e-12
    (1, True)
    """

    solve_time: float
    iterations: int
    divergence: float
    pressure_mean: float


def _sample(field: np.ndarray, origin: tuple[float, float], h: tuple[float, float], x: np.ndarray,
            y: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``field`` (values at ``origin + index * h``) at the points ``(x, y)``,
    clamped to the array's extent."""
    fx = np.clip((x - origin[0]) / h[0], 0.0, field.shape[0] - 1.0)
    fy = np.clip((y - origin[1]) / h[1], 0.0, field.shape[1] - 1.0)
    i = np.minimum(fx.astype(int), field.shape[0] - 2)
    j = np.minimum(fy.astype(int), field.shape[1] - 2)
    tx, ty = fx - i, fy - j
    return ((1 - tx) * (1 - ty) * field[i, j] + tx * (1 - ty) * field[i + 1, j]
            + (1 - tx) * ty * field[i, j + 1] + tx * ty * field[i + 1, j + 1])


class SmokeSimulation:
    """A 2D smoke simulation (semi-Lagrangian advection, pressure projection) past a solid obstacle.

    Parameters
    ----------
    solid : bool array of shape ``(nx, ny)``
        True on solid cells of the unit square (``nx, ny >= 4``).
    scenario : {"closed", "tunnel"}
        A closed box with rising smoke (buoyancy), or a wind tunnel (inflow ``x-``, outflow ``x+``).
    method : str
        The :func:`solvers.make_solver` method for the pressure ("cg", "pcg-jacobi", "pcg-ic0",
        "amg", "direct", ...).
    rtol : float
        The pressure solve's relative tolerance (the relative divergence left after a projection).
    dt : float, optional
        Time step (default: a CFL number 0.5 at speed ``max(inflow_speed, 1)``).
    inflow_speed : float
        Inflow velocity of the tunnel (also its initial velocity).
    buoyancy : float
        Upward acceleration per unit density in the closed box.
    seed : int
        Seed of the random perturbation of the smoke source.
    **solver_options
        Passed to :func:`solvers.make_solver`.

    Attributes
    ----------
    A : ObstacleLaplacian
        The current pressure operator.
    solver : LinearSolver
        The solver, set up once (and updated by :meth:`move_obstacle`).
    u : tuple of arrays
        Face velocities (``(nx + 1, ny)`` and ``(nx, ny + 1)``).
    density, pressure : arrays of shape ``(nx, ny)``
    history : list of StepRecord

    Raises
    ------
    ValueError
        A mask that is not 2D boolean with >= 4 cells per axis, an unknown scenario, ``dt <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.simulation import SmokeSimulation
    >>> x = (np.arange(16) + 0.5) / 16
    >>> disc = (x[:, None] - 0.5) ** 2 + (x[None, :] - 0.5) ** 2 < 0.15 ** 2
    >>> sim = SmokeSimulation(disc, scenario="closed", method="cg")
    >>> records = sim.run(3)
    >>> all(r.divergence <= 1e-6 and abs(r.pressure_mean) <= 1e-12 for r in records)
    True
    >>> sim.solver.stats.setups, sim.solver.stats.solves
    (1, 3)
    >>> _ = sim.move_obstacle(np.roll(disc, 2, axis=0)).step()
    >>> sim.solver.stats.updates, sim.history[-1].divergence <= 1e-6
    (1, True)
    """

    def __init__(self, solid: Any, *, scenario: str = "closed", method: str = "cg", rtol: float = 1e-6,
                 dt: float | None = None, inflow_speed: float = 1.0, buoyancy: float = 10.0, seed: int = 0,
                 **solver_options: Any):
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {sorted(SCENARIOS)}, got {scenario!r}")
        self.scenario = scenario
        solid = self._check_solid(solid, None)
        self.shape = solid.shape
        self.h = (1.0 / self.shape[0], 1.0 / self.shape[1])
        self.inflow_speed, self.buoyancy = float(inflow_speed), float(buoyancy)
        self.dt = 0.5 * min(self.h) / max(abs(self.inflow_speed), 1.0) if dt is None else float(dt)
        if not self.dt > 0:
            raise ValueError(f"dt must be > 0, got {dt!r}")
        self.A = self._operator(solid)
        self.solver = make_solver(self.A, method, rtol=rtol, nullspace="project", **solver_options)
        nx, ny = self.shape
        self._centres = np.meshgrid((np.arange(nx) + 0.5) * self.h[0], (np.arange(ny) + 0.5) * self.h[1],
                                    indexing="ij")
        self._faces = (np.meshgrid(np.arange(nx + 1) * self.h[0], (np.arange(ny) + 0.5) * self.h[1], indexing="ij"),
                       np.meshgrid((np.arange(nx) + 0.5) * self.h[0], np.arange(ny + 1) * self.h[1], indexing="ij"))
        rng = np.random.default_rng(seed)
        cx, cy = self._centres
        if scenario == "closed":   # a blob of smoke near the floor
            source = (cx - 0.5) ** 2 + (cy - 0.15) ** 2 < 0.1 ** 2
        else:                      # a band at the inlet
            source = (cx < 3 * self.h[0]) & (np.abs(cy - 0.5) < 0.15)
        self._source = source * (1.0 + 0.1 * rng.standard_normal(self.shape))
        self.density = np.zeros(self.shape)
        speed = self.inflow_speed if scenario == "tunnel" else 0.0
        self.u = (np.full((nx + 1, ny), speed), np.zeros((nx, ny + 1)))
        self.pressure = np.zeros(self.shape)
        self.history: list[StepRecord] = []
        self._apply_walls()

    def _check_solid(self, solid: Any, name_shape: tuple[int, int] | None) -> np.ndarray:
        name = "solid" if name_shape is None else "new_solid"
        solid = np.asarray(solid)
        if solid.dtype != bool or solid.ndim != 2 or min(solid.shape) < 4:
            raise ValueError(f"{name} must be a 2D boolean mask with >= 4 cells per axis, got dtype {solid.dtype} "
                             f"and shape {solid.shape}")
        if name_shape is not None and solid.shape != name_shape:
            raise ValueError(f"new_solid must have the grid's shape {name_shape}, got {solid.shape}")
        return solid

    def _operator(self, solid: np.ndarray) -> ObstacleLaplacian:
        return ObstacleLaplacian(solid, bc=SCENARIOS[self.scenario], closed="allow")

    def _apply_walls(self) -> None:
        """Zero the velocity on wall faces, set the tunnel's inflow, zero the density in solids."""
        opened = open_faces(self.A)
        self.u = tuple(np.where(o, c, 0.0) for o, c in zip(opened, self.u))
        if self.scenario == "tunnel":
            self.u[0][0, :] = np.where(np.asarray(self.A.solid)[0, :], 0.0, self.inflow_speed)
        self.density = np.where(np.asarray(self.A.solid), 0.0, self.density)

    def full_divergence(self, u: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The divergence of ``u`` (default: the current velocity) with the tunnel's inflow flux."""
        u = self.u if u is None else u
        div = divergence(self.A, u)
        if self.scenario == "tunnel":
            div[0, :] -= u[0][0, :] / self.h[0]
        return div

    def _velocity_at(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = self.h
        return (_sample(self.u[0], (0.0, 0.5 * h[1]), h, x, y), _sample(self.u[1], (0.5 * h[0], 0.0), h, x, y))

    def _advect(self, field: np.ndarray, origin: tuple[float, float], points) -> np.ndarray:
        x, y = points
        vx, vy = self._velocity_at(x, y)
        return _sample(field, origin, self.h, x - self.dt * vx, y - self.dt * vy)

    def step(self) -> StepRecord:
        """Advance one time step; returns (and appends to :attr:`history`) its :class:`StepRecord`."""
        h = self.h
        density = self._advect(self.density, (0.5 * h[0], 0.5 * h[1]), self._centres)
        ux = self._advect(self.u[0], (0.0, 0.5 * h[1]), self._faces[0])
        uy = self._advect(self.u[1], (0.5 * h[0], 0.0), self._faces[1])
        self.density = np.maximum(density, self._source)
        if self.scenario == "closed":   # buoyancy: smoke rises (+y), density averaged to the y-faces
            padded = np.pad(self.density, ((0, 0), (1, 1)))
            uy = uy + self.dt * self.buoyancy * 0.5 * (padded[:, 1:] + padded[:, :-1])
        self.u = (ux, uy)
        self._apply_walls()
        return self._project()

    def _project(self) -> StepRecord:
        before = self.full_divergence()
        start = time.perf_counter()
        p, info = self.solver.solve(-before)
        elapsed = time.perf_counter() - start
        p = np.asarray(p).reshape(self.shape)
        self.u = tuple(c - g for c, g in zip(self.u, gradient(self.A, p)))
        self.pressure = p
        after = self.full_divergence()
        norm = float(np.linalg.norm(before))
        fluid = ~np.asarray(self.A.solid)
        record = StepRecord(elapsed, int(info.iterations), float(np.linalg.norm(after)) / norm if norm else 0.0,
                            float(p[fluid].mean()))
        self.history.append(record)
        return record

    def run(self, steps: int) -> list[StepRecord]:
        """Advance ``steps`` time steps; returns their records."""
        return [self.step() for _ in range(int(steps))]

    def move_obstacle(self, new_solid: Any) -> SmokeSimulation:
        """Replace the solid mask: a new operator, ``solver.update(A_new, allow_new_pattern=True)``
        (a moved obstacle changes the sparsity pattern), walls re-applied; returns ``self``.

        Raises
        ------
        ValueError
            ``new_solid`` of another shape or not a 2D boolean mask.
        """
        new_solid = self._check_solid(new_solid, self.shape)
        A_new = self._operator(new_solid)
        self.solver.update(A_new, allow_new_pattern=True)
        self.A = A_new
        self._apply_walls()
        return self
