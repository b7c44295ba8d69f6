"""Functional Bayesian Tucker decomposition (FunBaT) of continuous-indexed tensor data.

* :class:`FunBaT` — the estimator (``fit`` / ``predict(return_std=True)`` / ``interval`` /
  ``score`` / ``save`` / ``load``): Tucker or CP core, Matérn state-space GP priors, conditional
  EP with Kalman filtering and RTS smoothing; hyperparameters, rank and restarts automatic by
  default.
* :func:`select_lengthscale` — choose lengthscales by held-out validation;
  :func:`select_hyperparameters` — the per-mode kernel, lengthscale and variance by the evidence.
* :func:`log_evidence` — the evidence of a mode's sites under candidate kernels;
  :func:`coverage` — interval coverage against nominal levels.
* :mod:`~tensor_formats.funbat.state_space`, :mod:`~tensor_formats.funbat.kalman` — the
  building blocks.
"""

from .calibration import coverage
from .evidence import log_evidence
from .inputs import ExtrapolationWarning, NotFittedError
from .model import FunBaT
from .selection import select_hyperparameters, select_lengthscale
from .state_space import MaternStateSpace

__all__ = ["ExtrapolationWarning", "FunBaT", "MaternStateSpace", "NotFittedError", "coverage", "log_evidence",
           "select_hyperparameters", "select_lengthscale"]
