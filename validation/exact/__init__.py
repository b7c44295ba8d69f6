"""Analytic solutions of the PDEs and ODEs that this project's methods are checked against.

Every class follows :class:`ExactSolution`: ``solution(*x, t=None)``, ``source``,
``boundary``, ``initial``, ``coefficients``, ``grid``, with the attributes ``domain``,
``dim``, ``bc`` and ``time_dependent``.  Coordinates of any array backend give results on
that backend.

Examples
--------
>>> import numpy as np
>>> from validation.exact import PoissonSineMode
>>> p = PoissonSineMode(1)
>>> (x,) = p.grid(4, kind="vertex")
>>> np.round(p.solution(x), 3)
array([0.   , 0.707, 1.   , 0.707, 0.   ])
"""

from ._base import ExactSolution
from .burgers import BurgersShock, BurgersSine
from .darcy import Darcy1D, DarcyManufactured
from .heat import HeatFourierMode, HeatKernel
from .navier_stokes import KolmogorovFlow, TaylorGreenVortex
from .newton import GaussianChargePotential, PointChargePotential, newton_long_range, newton_short_range
from .ode import Antiderivative, LinearODE
from .poisson import PoissonCosineMode, PoissonManufactured, PoissonSineMode
from .waves import Advection1D, Wave1D

__all__ = [
    "Advection1D",
    "Antiderivative",
    "BurgersShock",
    "BurgersSine",
    "Darcy1D",
    "DarcyManufactured",
    "ExactSolution",
    "GaussianChargePotential",
    "HeatFourierMode",
    "HeatKernel",
    "KolmogorovFlow",
    "LinearODE",
    "PointChargePotential",
    "PoissonCosineMode",
    "PoissonManufactured",
    "PoissonSineMode",
    "TaylorGreenVortex",
    "Wave1D",
    "newton_long_range",
    "newton_short_range",
]
