"""Discrete operators and linear solvers.

* :class:`Laplacian`: finite-difference ``-Δ_h`` in 1–3 D, matrix-free and sparse;
  :class:`DiffusionOperator`: ``-∇·(a∇u)`` with a cell-wise coefficient.
* :func:`cg`, :func:`pcg`: conjugate gradients with scipy's calling convention.
* :func:`solve_poisson`: second-order Poisson solves on a box.

``import solvers`` does not import torch.
"""

from .krylov import KrylovInfo, cg, pcg
from .operators import DiffusionOperator, Laplacian
from .poisson import PoissonResult, solve_poisson

__all__ = ["DiffusionOperator", "KrylovInfo", "Laplacian", "PoissonResult", "cg", "pcg", "solve_poisson"]
