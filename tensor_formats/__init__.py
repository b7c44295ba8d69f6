"""Tensor formats: Chebyshev interpolation, Tucker decompositions and the hybrid
Chebyshev–Tucker format (FunBaT to come).  ``import tensor_formats`` never imports torch.

* :mod:`tensor_formats.chebyshev` — points, DCT-I transforms, Clenshaw, calculus, chopping.
* :mod:`tensor_formats.tucker` — HOSVD with an ε-rank rule, HOOI, RHOSVD, ``TuckerTensor``.
* :class:`ChebyshevTucker` — d-variate functions in Chebyshev–Tucker form.
* :mod:`tensor_formats.potentials` — range-separated many-particle Newton potentials.
"""

from . import chebyshev, tucker
from .chebyshev_tucker import ChebyshevTucker
from .tucker import TuckerTensor, hooi, hosvd, rhosvd

__all__ = ["ChebyshevTucker", "TuckerTensor", "chebyshev", "hooi", "hosvd", "rhosvd", "tucker"]
