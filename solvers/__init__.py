"""Discrete operators and linear solvers.

* :class:`Laplacian`: finite-difference ``-Δ_h`` in 1–3 D, matrix-free and sparse;
  :class:`DiffusionOperator`: ``-∇·(a∇u)`` with a cell-wise coefficient.
* :class:`ObstacleLaplacian`: the pressure Poisson operator with solid cells (:mod:`solvers.obstacles`).
* :func:`cg`, :func:`pcg`: conjugate gradients with scipy's calling convention; :func:`ic0`,
  :func:`amg` preconditioners.
* :func:`dcdm`: the deep conjugate direction method (network directions, torch loaded lazily),
  :func:`load_pretrained` for the shipped 2D/3D models.
* :func:`solve_poisson`: second-order Poisson solves on a box.

``import solvers`` does not import torch.
"""

from .deep_conjugate import DCDMInfo, dcdm, load_pretrained
from .krylov import KrylovInfo, cg, pcg
from .obstacles import ObstacleLaplacian
from .operators import DiffusionOperator, Laplacian
from .preconditioners import amg, ic0
from .poisson import PoissonResult, solve_poisson

__all__ = ["DCDMInfo", "DiffusionOperator", "KrylovInfo", "Laplacian", "ObstacleLaplacian", "PoissonResult", "amg", "cg", "dcdm", "ic0",
           "load_pretrained", "pcg", "solve_poisson"]
