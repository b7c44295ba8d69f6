"""The hybrid Chebyshev–Tucker format: a d-variate Chebyshev interpolant whose coefficient
tensor is stored in Tucker form.

``f(x) ≈ Σ_{i} G[i_1..i_d] Π_k u^k_{i_k}(x_k)`` where each ``u^k_i`` is a Chebyshev
series on ``[a_k, b_k]`` whose coefficients form column ``i`` of the orthonormal factor
``V_k`` (``m_k × r_k``); ``G`` is the core.  Following Khoromskij, Khoromskaia et al. (2025)
and Chebfun3, the coefficient tensor comes from samples on a Chebyshev grid (DCT-I along
every mode) and is compressed by a truncated HOSVD with the ε-rank rule.

One concept per module; the class's methods are thin calls into the others, which never
import the class (they take it, or an instance, as an argument):

* :mod:`~tensor_formats.chebyshev_tucker.format` — :class:`ChebyshevTucker`: storage, properties, repr.
* :mod:`~tensor_formats.chebyshev_tucker.grid` — the box, sampling on its Chebyshev grid, DCT-I.
* :mod:`~tensor_formats.chebyshev_tucker.construction` — adaptive sampling, coefficients, CP sums.
* :mod:`~tensor_formats.chebyshev_tucker.evaluation` — values at points and on tensor grids.
* :mod:`~tensor_formats.chebyshev_tucker.calculus` — integrals, derivatives, the L2 norm.
* :mod:`~tensor_formats.chebyshev_tucker.arithmetic` — ``+ - * /``, powers and composition, each simplified.
* :mod:`~tensor_formats.chebyshev_tucker.simplify` — Chebfun's ``simplify`` rule, the zero function.
* :mod:`~tensor_formats.chebyshev_tucker.cross` — Tucker cross approximation from fibres (Chebfun3F).
* :mod:`~tensor_formats.chebyshev_tucker.geometry` — ``restrict``, slices, ``cumsum``.
* :mod:`~tensor_formats.chebyshev_tucker.univariate` — :class:`ChebyshevLine`, the 1-D slices.
* :mod:`~tensor_formats.chebyshev_tucker.vector` — :class:`ChebyshevTuckerVector`, grad/div/curl/laplacian.
* :mod:`~tensor_formats.chebyshev_tucker.extrema` — global max/min/sup-norm with locations.
* :mod:`~tensor_formats.chebyshev_tucker.interop` — ``to_tensorly`` / ``from_tensorly``.
* :mod:`~tensor_formats.chebyshev_tucker.complexvalued` — :class:`ComplexChebyshevTucker` (real, imaginary pair).
* :mod:`~tensor_formats.chebyshev_tucker.periodic` — :class:`PeriodicChebyshevTucker` (Fourier modes).
* :mod:`~tensor_formats.chebyshev_tucker.files` — ``save`` / ``load`` through :mod:`sciml.io`.

Examples
--------
>>> import numpy as np
>>> from tensor_formats.chebyshev_tucker import ChebyshevTucker
>>> f = ChebyshevTucker.from_function(lambda x, y: np.exp(x + y), [(0, 1)] * 2)
>>> round(f.integral(), 12) == round((np.e - 1) ** 2, 12)
True
"""

from .complexvalued import ComplexChebyshevTucker
from .construction import MAX_SAMPLES
from .format import ChebyshevTucker
from .periodic import PeriodicChebyshevTucker
from .univariate import ChebyshevLine
from .vector import ChebyshevTuckerVector

__all__ = ["MAX_SAMPLES", "ChebyshevLine", "ChebyshevTucker", "ChebyshevTuckerVector",
           "ComplexChebyshevTucker", "PeriodicChebyshevTucker"]
