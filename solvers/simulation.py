"""A small 2D or 3D incompressible smoke simulation on a MAC grid: :class:`SmokeSimulation`.

The example of a simulation code that calls a linear solver every time step (issue 14): one
:func:`solvers.make_solver` set up in ``__init__`` and called every step for the pressure, and
:meth:`~solvers.LinearSolver.update` when the obstacle moves.  Per step: semi-Lagrangian advection
(multilinear interpolation) of the face velocities and of a cell density, a source (buoyancy along
the last axis in the closed box, inflow in the wind tunnel), then the projection ``u <- u - gradient(p)`` with
``A p = -divergence(u)`` (:mod:`solvers.staggered`, ``A = -Δ_h`` an :class:`solvers.ObstacleLaplacian`).

Scenarios: ``"closed"``, a box with walls on every face (pressure Neumann everywhere, a singular
``A`` whose constants the solver projects out, ``nullspace="project"``); ``"tunnel"``, inflow
velocity on ``x-`` (pressure Neumann there), outflow on ``x+`` (pressure Dirichlet 0), walls on the
other faces.
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
from .staggered import divergence, face_shapes, gradient, open_faces

__all__ = ["SCENARIOS", "SmokeSimulation", "StepRecord"]

#: The scenarios of :class:`SmokeSimulation` and the pressure boundary conditions of each (in 3D
#: the tunnel's ``z`` faces are walls too, as its ``y`` faces).
SCENARIOS = {"closed": "neumann", "tunnel": {"x-": "neumann", "x+": "dirichlet", "y": "neumann"}}
AXES = "xyz"


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


def _sample(field: np.ndarray, origin: tuple[float, ...], h: tuple[float, ...], points) -> np.ndarray:
    """Multilinear interpolation of ``field`` (values at ``origin + index * h``) at ``points`` (one
    coordinate array per axis), clamped to the array's extent."""
    lower, weights = [], []
    for axis, x in enumerate(points):
        f = np.clip((x - origin[axis]) / h[axis], 0.0, field.shape[axis] - 1.0)
        i = np.minimum(f.astype(int), field.shape[axis] - 2)
        lower.append(i)
        weights.append(f - i)
    out = np.zeros(np.shape(points[0]))
    for corner in np.ndindex(*(2,) * len(points)):
        weight = np.ones_like(out)
        for t, c in zip(weights, corner):
            weight *= t if c else 1.0 - t
        out += weight * field[tuple(i + c for i, c in zip(lower, corner))]
    return out


class SmokeSimulation:
    """A 2D or 3D smoke simulation (semi-Lagrangian advection, pressure projection) past a solid obstacle.

    Parameters
    ----------
    solid : bool array of shape ``(nx, ny)`` or ``(nx, ny, nz)``
        True on solid cells of the unit square or cube (>= 4 cells per axis).
    scenario : {"closed", "tunnel"}
        A closed box with rising smoke (buoyancy along the last axis), or a wind tunnel (inflow
        ``x-``, outflow ``x+``, walls elsewhere).
    method : str
        The :func:`solvers.make_solver` method for the pressure ("cg", "pcg-jacobi", "pcg-ic0",
        "pcg-mic0", "amg", "direct", ...).
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
        Face velocities, one array per axis (``(nx + 1, ny)`` and ``(nx, ny + 1)`` in 2D:
        :func:`solvers.staggered.face_shapes`).
    density, pressure : arrays of the grid's shape
    history : list of StepRecord

    Raises
    ------
    ValueError
        A mask that is not a 2D or 3D boolean array with >= 4 cells per axis, an unknown scenario,
        ``dt <= 0``.

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
    >>> ball = np.zeros((8, 8, 8), dtype=bool); ball[3:5, 3:5, 3:5] = True      # 3D
    >>> SmokeSimulation(ball, scenario="tunnel", method="pcg-mic0").step().divergence <= 1e-6
    True
    """

    def __init__(self, solid: Any, *, scenario: str = "closed", method: str = "cg", rtol: float = 1e-6,
                 dt: float | None = None, inflow_speed: float = 1.0, buoyancy: float = 10.0, seed: int = 0,
                 **solver_options: Any):
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {sorted(SCENARIOS)}, got {scenario!r}")
        self.scenario = scenario
        solid = self._check_solid(solid, None)
        self.shape = solid.shape
        d = solid.ndim
        self.h = tuple(1.0 / n for n in self.shape)
        self.inflow_speed, self.buoyancy = float(inflow_speed), float(buoyancy)
        self.dt = 0.5 * min(self.h) / max(abs(self.inflow_speed), 1.0) if dt is None else float(dt)
        if not self.dt > 0:
            raise ValueError(f"dt must be > 0, got {dt!r}")
        self.A = self._operator(solid)
        self.solver = make_solver(self.A, method, rtol=rtol, nullspace="project", **solver_options)
        centres = [(np.arange(n) + 0.5) * h for n, h in zip(self.shape, self.h)]
        self._centres = np.meshgrid(*centres, indexing="ij")
        # the origin of each face array (axis k: faces at j h_k on axis k, centres elsewhere) and its points
        self._origins = tuple(tuple(0.0 if a == k else 0.5 * self.h[a] for a in range(d)) for k in range(d))
        self._faces = tuple(np.meshgrid(*[np.arange(n + 1) * h if a == k else c
                                          for a, (n, h, c) in enumerate(zip(self.shape, self.h, centres))],
                                        indexing="ij") for k in range(d))
        rng = np.random.default_rng(seed)
        x, up = self._centres[0], self._centres[-1]
        across = self._centres[1:]
        if scenario == "closed":   # a blob of smoke near the floor (low end of the last axis)
            source = sum((c - 0.5) ** 2 for c in self._centres[:-1]) + (up - 0.15) ** 2 < 0.1 ** 2
        else:                      # a band at the inlet
            source = (x < 3 * self.h[0]) & np.all([np.abs(c - 0.5) < 0.15 for c in across], axis=0)
        self._source = source * (1.0 + 0.1 * rng.standard_normal(self.shape))
        self.density = np.zeros(self.shape)
        speed = self.inflow_speed if scenario == "tunnel" else 0.0
        self.u = tuple(np.full(shape, speed if k == 0 else 0.0) for k, shape in enumerate(face_shapes(self.A)))
        self.pressure = np.zeros(self.shape)
        self.history: list[StepRecord] = []
        self._apply_walls()

    def _check_solid(self, solid: Any, name_shape: tuple[int, ...] | None) -> np.ndarray:
        name = "solid" if name_shape is None else "new_solid"
        solid = np.asarray(solid)
        if solid.dtype != bool or solid.ndim not in (2, 3) or min(solid.shape) < 4:
            raise ValueError(f"{name} must be a 2D or 3D boolean mask with >= 4 cells per axis, got dtype "
                             f"{solid.dtype} and shape {solid.shape}")
        if name_shape is not None and solid.shape != name_shape:
            raise ValueError(f"new_solid must have the grid's shape {name_shape}, got {solid.shape}")
        return solid

    def _operator(self, solid: np.ndarray) -> ObstacleLaplacian:
        bc = SCENARIOS[self.scenario]
        if isinstance(bc, dict) and solid.ndim == 3:
            bc = dict(bc, z=bc["y"])
        return ObstacleLaplacian(solid, bc=bc, closed="allow")

    def _apply_walls(self) -> None:
        """Zero the velocity on wall faces, set the tunnel's inflow, zero the density in solids."""
        opened = open_faces(self.A)
        self.u = tuple(np.where(o, c, 0.0) for o, c in zip(opened, self.u))
        if self.scenario == "tunnel":
            self.u[0][0] = np.where(np.asarray(self.A.solid)[0], 0.0, self.inflow_speed)
        self.density = np.where(np.asarray(self.A.solid), 0.0, self.density)

    def full_divergence(self, u: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
        """The divergence of ``u`` (default: the current velocity) with the tunnel's inflow flux."""
        u = self.u if u is None else u
        div = divergence(self.A, u)
        if self.scenario == "tunnel":
            div[0] -= u[0][0] / self.h[0]
        return div

    def _advect(self, field: np.ndarray, origin: tuple[float, ...], points) -> np.ndarray:
        velocity = [_sample(c, o, self.h, points) for c, o in zip(self.u, self._origins)]
        return _sample(field, origin, self.h, [x - self.dt * v for x, v in zip(points, velocity)])

    def step(self) -> StepRecord:
        """Advance one time step; returns (and appends to :attr:`history`) its :class:`StepRecord`."""
        density = self._advect(self.density, tuple(0.5 * h for h in self.h), self._centres)
        u = [self._advect(c, o, points) for c, o, points in zip(self.u, self._origins, self._faces)]
        self.density = np.maximum(density, self._source)
        if self.scenario == "closed":   # buoyancy: smoke rises (+ last axis), density averaged to those faces
            pad = [(0, 0)] * (self.density.ndim - 1) + [(1, 1)]
            padded = np.pad(self.density, pad)
            u[-1] = u[-1] + self.dt * self.buoyancy * 0.5 * (padded[..., 1:] + padded[..., :-1])
        self.u = tuple(u)
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
            ``new_solid`` of another shape or not a boolean mask.
        """
        new_solid = self._check_solid(new_solid, self.shape)
        A_new = self._operator(new_solid)
        self.solver.update(A_new, allow_new_pattern=True)
        self.A = A_new
        self._apply_walls()
        return self
