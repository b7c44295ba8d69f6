"""The grid operators in one place (kept for ``from solvers.operators import ...``).

:class:`Laplacian` (:mod:`solvers.laplacian`) and :class:`DiffusionOperator`
(:mod:`solvers.diffusion`) are :class:`solvers.GridOperator` subclasses on a :class:`solvers.Grid`
with :class:`solvers.BoundaryConditions`; :class:`solvers.ObstacleLaplacian` lives in
:mod:`solvers.obstacles`.

Examples
--------
>>> from solvers.operators import Laplacian
>>> Laplacian(2, dim=1).to_sparse().toarray() / 4
array([[ 3., -1.],
       [-1.,  3.]])
"""

from .boundary import BOUNDARY_CONDITIONS
from .diffusion import DiffusionOperator
from .laplacian import Laplacian

__all__ = ["BOUNDARY_CONDITIONS", "DiffusionOperator", "Laplacian"]
