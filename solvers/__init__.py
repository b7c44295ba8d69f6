"""Discrete operators and linear solvers.

* :class:`Grid` (shape and box) and :class:`BoundaryConditions` (per face: Dirichlet, Neumann or
  periodic, with values): the one grid and boundary description of every operator and solver.
* :class:`GridOperator`: the base of the grid operators (matrix-free apply, cached assembly and
  diagonal, ``shape``, ``dtype``, immutable).
* :class:`Laplacian`: finite-difference ``-Δ_h`` in 1–3 D, matrix-free and sparse;
  :class:`DiffusionOperator`: ``-∇·(a∇u)`` with a cell-wise coefficient.
* :class:`ObstacleLaplacian`: the pressure Poisson operator with solid cells (:mod:`solvers.obstacles`).
* :func:`cg`, :func:`pcg`: conjugate gradients with scipy's calling convention; :func:`ic0`,
  :func:`amg` preconditioners.
* :func:`dcdm`: the deep conjugate direction method (network directions, torch loaded lazily),
  :func:`load_pretrained` for the shipped 2D/3D models.
* :func:`solve_poisson`: second-order Poisson solves on a box; it and the solvers of
  :mod:`solvers.pde` return a :class:`PDESolution`.

``import solvers`` does not import torch.
"""

from .boundary import BoundaryConditions
from .deep_conjugate import DCDMInfo, dcdm, load_pretrained
from .diffusion import DiffusionOperator
from .grid import Grid
from .grid_operator import GridOperator
from .krylov import KrylovInfo, cg, pcg
from .laplacian import Laplacian
from .obstacles import ObstacleLaplacian
from .pde import PDESolution
from .poisson import solve_poisson
from .preconditioners import amg, ic0

__all__ = ["BoundaryConditions", "DCDMInfo", "DiffusionOperator", "Grid", "GridOperator", "KrylovInfo", "Laplacian",
           "ObstacleLaplacian", "PDESolution", "amg", "cg", "dcdm", "ic0", "load_pretrained", "pcg", "solve_poisson"]
