"""Tensor formats: Chebyshev interpolation, Tucker decompositions and the hybrid
Chebyshev–Tucker format and FunBaT.  ``import tensor_formats`` never imports torch.

* :mod:`tensor_formats.chebyshev` — points, DCT-I transforms, Clenshaw, calculus, chopping.
* :mod:`tensor_formats.fourier` — the trigonometric basis of periodic modes.
* :mod:`tensor_formats.tucker` — HOSVD with an ε-rank rule, HOOI, RHOSVD, ``TuckerTensor``.
* :class:`ChebyshevTucker` — d-variate functions in Chebyshev–Tucker form.
* :mod:`tensor_formats.potentials` — range-separated many-particle Newton potentials.
* :class:`ParticlePotential` — potentials and forces of many charges, stepped with ``update``.
* :class:`FunBaT` — functional Bayesian Tucker decomposition of continuous-indexed data;
  :func:`select_hyperparameters` (evidence) and :func:`select_lengthscale` (held-out) choose
  its kernel settings.
"""

from . import chebyshev, tucker
from .chebyshev_tucker import ChebyshevTucker
from .funbat import FunBaT, select_hyperparameters, select_lengthscale
from .particle_potential import ParticlePotential
from .tucker import TuckerTensor, hooi, hosvd, rhosvd

__all__ = ["ChebyshevTucker", "FunBaT", "ParticlePotential", "TuckerTensor", "chebyshev", "hooi", "hosvd", "rhosvd",
           "select_hyperparameters", "select_lengthscale", "tucker"]
