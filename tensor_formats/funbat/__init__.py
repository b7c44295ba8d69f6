"""Functional Bayesian Tucker decomposition (FunBaT) of continuous-indexed tensor data.

* :class:`FunBaT` — the model: Tucker or CP core, Matérn state-space GP priors, conditional
  EP with Kalman filtering and RTS smoothing.
* :func:`select_lengthscale` — choose lengthscales by held-out validation.
* :mod:`~tensor_formats.funbat.state_space`, :mod:`~tensor_formats.funbat.kalman` — the
  building blocks.
"""

from .model import FunBaT
from .selection import select_lengthscale
from .state_space import MaternStateSpace

__all__ = ["FunBaT", "MaternStateSpace", "select_lengthscale"]
