"""Discrete operators and linear solvers.

* :class:`Grid` (shape and box) and :class:`BoundaryConditions` (per face: Dirichlet, Neumann or
  periodic, with values): the one grid and boundary description of every operator and solver.
* :class:`GridOperator`: the base of the grid operators (matrix-free apply, cached assembly and
  diagonal, ``shape``, ``dtype``, immutable).
* :class:`Laplacian`: finite-difference ``-Δ_h`` in 1–3 D, matrix-free and sparse;
  :class:`DiffusionOperator`: ``-∇·(a∇u)`` with a cell-wise coefficient.
* :class:`ObstacleLaplacian`: the pressure Poisson operator with solid cells (:mod:`solvers.obstacles`).
* :func:`gradient`, :func:`divergence`: the staggered (MAC) gradient and divergence matching an
  operator, ``divergence(gradient(p)) == -(A @ p)`` (:mod:`solvers.staggered`).
* :func:`cg`, :func:`pcg`: conjugate gradients with scipy's calling convention; :func:`ic0`,
  :func:`amg` preconditioners.
* :func:`dcdm`: the deep conjugate direction method (network directions, torch loaded lazily),
  :func:`load_pretrained` for the shipped 2D/3D models.
* :func:`solve_poisson`: second-order Poisson solves on a box; it and the solvers of
  :mod:`solvers.pde` return a :class:`PDESolution`.
* :func:`make_solver`: a :class:`LinearSolver` object set up once and called many times ("cg",
  "pcg-jacobi", "pcg-ic0", "amg", "direct", "dcdm"; :data:`SOLVERS`, :func:`register_solver`),
  with reason codes, :class:`ConvergenceError` and :attr:`LinearSolver.stats`.

``import solvers`` does not import torch.
"""

from .boundary import BoundaryConditions
from .diffusion import DiffusionOperator
from .grid import Grid
from .grid_operator import GridOperator
from .krylov import KrylovInfo, cg, pcg
from .laplacian import Laplacian
from .linear_methods import AMGSolver, CGSolver, DirectSolver, ICSolver, JacobiSolver
from .linear_solver import LinearSolver
from .obstacles import ObstacleLaplacian
from .pde import PDESolution
from .poisson import solve_poisson
from .solver_outcomes import ConvergenceError, ConvergenceWarning, SolverStats
from .solver_registry import SOLVERS, make_solver, register_solver
from .staggered import divergence, gradient
from .preconditioners import amg, ic0
from .deep_conjugate import DCDMInfo, DCDMSolver, dcdm, load_pretrained  # noqa: E402,I001 - after make_solver's methods

__all__ = ["SOLVERS", "AMGSolver", "BoundaryConditions", "CGSolver", "ConvergenceError", "ConvergenceWarning",
           "DCDMInfo", "DCDMSolver", "DiffusionOperator", "DirectSolver", "Grid", "GridOperator", "ICSolver",
           "JacobiSolver", "KrylovInfo", "Laplacian", "LinearSolver", "ObstacleLaplacian", "PDESolution",
           "SolverStats", "amg", "cg", "dcdm", "divergence", "gradient", "ic0", "load_pretrained", "make_solver", "pcg",
           "register_solver", "solve_poisson"]
