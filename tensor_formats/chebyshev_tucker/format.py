"""The :class:`ChebyshevTucker` class: storage (core, factors, box), validation, properties
and the representation.  Construction, evaluation, calculus, arithmetic and files are
functions of the sibling modules, called from thin methods here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sciml.backend import backend_name, to_backend

from ..tucker import TuckerTensor
from . import arithmetic, calculus, construction, evaluation, extrema, files, geometry, interop, vector
from . import simplify as simplify_module
from .grid import check_domain

__all__ = ["ChebyshevTucker"]


class ChebyshevTucker:
    """A function on a box in Chebyshev–Tucker form.

    Build one with :meth:`from_function`, :meth:`from_values` or :meth:`from_cp`.

    Parameters
    ----------
    core : array of shape ``ranks``
    factors : sequence of arrays
        Coefficient factors ``V_k`` of shape ``(m_k, r_k)``: column ``i`` holds the
        Chebyshev coefficients of the ``i``-th basis function of mode ``k``.
    domain : sequence of (a, b)
    tol : float
        The tolerance the object was built with (default for recompression).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import ChebyshevTucker
    >>> f = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x + 2 * y + 3 * z), [(-1, 1)] * 3)
    >>> f.ranks
    (2, 2, 2)
    >>> bool(abs(f(np.array([[0.1, 0.2, 0.3]]))[0] - np.sin(1.4)) < 1e-12)
    True
    """

    def __init__(self, core: Any, factors: Sequence[Any], domain: Sequence[Sequence[float]], *, tol: float = 1e-12):
        self.domain = check_domain(domain)
        self.core = core
        self.factors = list(factors)
        self.tol = float(tol)
        #: Number of samples the cross approximation took (``None`` for other constructions).
        self.evaluations: int | None = None
        TuckerTensor(core, self.factors)  # validates shapes
        if len(self.factors) != len(self.domain):
            raise ValueError(f"{len(self.factors)} factors for a {len(self.domain)}-dimensional domain")

    # -- construction (tensor_formats.chebyshev_tucker.construction) --------------------
    @classmethod
    def from_function(cls, f: Callable[..., Any], domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                      degree: int | Sequence[int] | None = None, rank: int | Sequence[int] | None = None,
                      backend: str = "numpy", max_degree: int | Sequence[int] | None = None,
                      method: str = "full", periodic: Sequence[bool] | None = None) -> ChebyshevTucker:
        """Interpolate ``f(x1, ..., xd)`` on a Chebyshev grid and compress.

        Parameters
        ----------
        f : callable
            Vectorised over broadcast arrays of the chosen backend.
        domain : sequence of (a, b)
        tol : float
            Relative accuracy: the chopping tolerance of the adaptive degree and the
            ε of the Tucker truncation.
        degree : int or sequence of int, optional
            Polynomial degree per mode (``degree + 1`` points).  ``None``: adaptive —
            the grid grows (17, 33, 65, ... points) on every mode whose coefficients are
            not resolved by the chopping rule, then each mode is trimmed.
        rank : int or sequence of int, optional
            Fixed Tucker ranks (caps when ``tol`` also applies).
        backend : str
        max_degree : int or sequence of int, optional
            Upper limit of the adaptive degree; by default the largest ``2^k`` keeping
            the grid under 2^25 samples (``"full"``) or 4096 (``"cross"``).  If a mode is
            not resolved there, a ``RuntimeWarning`` says "not resolved: degree cap N
            reached" and names the mode.
        method : {"full", "cross"}
            ``"full"``: sample the whole tensor grid (``n^d`` evaluations; the oracle).
            ``"cross"``: Tucker cross approximation from fibres
            (:mod:`~tensor_formats.chebyshev_tucker.cross`, ``O(n r² + r³)`` evaluations
            in 3-D); its result carries the number of samples as ``evaluations``.
        periodic : sequence of bool, optional
            Modes that are periodic (period ``b - a``): they use a Fourier basis on
            equispaced points and the result is a
            :class:`~tensor_formats.chebyshev_tucker.PeriodicChebyshevTucker` (full sampling).

        Examples
        --------
        >>> import numpy as np
        >>> from tensor_formats import ChebyshevTucker
        >>> f = ChebyshevTucker.from_function(lambda x, y, z: np.cos(x + y * z), [(-1, 1)] * 3,
        ...                                   tol=1e-10, method="cross")
        >>> full = ChebyshevTucker.from_function(lambda x, y, z: np.cos(x + y * z), [(-1, 1)] * 3, tol=1e-10)
        >>> f.evaluations < 33**3, bool(abs(f.integral() - full.integral()) < 1e-9)
        (True, True)
        """
        return construction.from_function(cls, f, domain, tol=tol, degree=degree, rank=rank, backend=backend,
                                          max_degree=max_degree, method=method, periodic=periodic)

    @classmethod
    def from_values(cls, values: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                    rank: int | Sequence[int] | None = None) -> ChebyshevTucker:
        """Compress samples at the (ascending) Chebyshev points of each mode.

        ``values`` has shape ``(m_1, ..., m_d)``, the grid of
        :func:`tensor_formats.chebyshev.chebyshev_points` on each interval.
        """
        return construction.from_values(cls, values, domain, tol=tol, rank=rank)

    @classmethod
    def from_coefficients(cls, coefficients: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                          rank: int | Sequence[int] | None = None) -> ChebyshevTucker:
        """Compress a full tensor of Chebyshev coefficients by truncated HOSVD."""
        return construction.from_coefficients(cls, coefficients, domain, tol=tol, rank=rank)

    @classmethod
    def from_cp(cls, factors: Sequence[Any], domain: Sequence[Sequence[float]], *, weights: Any | None = None,
                degree: int | Sequence[int] = 128, tol: float = 1e-12, rank: int | Sequence[int] | None = None,
                method: str = "rhosvd", backend: str = "numpy") -> ChebyshevTucker:
        """Chebyshev–Tucker form of a canonical (CP) sum ``Σ_r λ_r Π_k a^k_r(x_k)``.

        Parameters
        ----------
        factors : sequence of callables or arrays
            Per mode either a callable ``x -> array (len(x), R)`` (the factor functions,
            evaluated at the Chebyshev points), or an array ``(n, R)`` of samples on the
            uniform cell-centred grid ``a + (i + 1/2)(b - a)/n``, interpolated to the
            Chebyshev points by cubic splines on the host (accuracy ``O(h⁴)``).
        weights : array of shape (R,), optional
        degree : int or sequence of int
            Polynomial degree per mode.
        method : {"rhosvd", "full"}
            ``"rhosvd"``: reduced HOSVD of the coefficient factors, never forming the
            tensor; ``"full"``: assemble the full coefficient tensor, then HOSVD.
        """
        return construction.from_cp(cls, factors, domain, weights=weights, degree=degree, tol=tol, rank=rank,
                                    method=method, backend=backend)

    @classmethod
    def constant(cls, value: float, domain: Sequence[Sequence[float]], *, backend: str = "numpy",
                 tol: float = 1e-12) -> ChebyshevTucker:
        """The constant function ``value`` (rank 1, degree 0 per mode; rank 0 for ``value == 0``)."""
        return construction.constant(cls, value, domain, backend=backend, tol=tol)

    # -- properties --------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.domain)

    @property
    def ranks(self) -> tuple[int, ...]:
        """Tucker ranks ``(r_1, ..., r_d)``."""
        return tuple(int(r) for r in self.core.shape)

    @property
    def degrees(self) -> tuple[int, ...]:
        """Polynomial degree per mode (``m_k - 1``)."""
        return tuple(int(v.shape[0]) - 1 for v in self.factors)

    @property
    def nbytes(self) -> int:
        """Bytes of core and factors."""
        return TuckerTensor(self.core, self.factors).nbytes

    @property
    def compression_ratio(self) -> float:
        """Entries of the full coefficient tensor per stored entry."""
        stored = math.prod(self.ranks) + sum(math.prod(v.shape) for v in self.factors)
        return math.prod(d + 1 for d in self.degrees) / stored

    @property
    def backend(self) -> str:
        return backend_name(self.core)

    def __repr__(self) -> str:
        return (f"ChebyshevTucker(domain={self.domain}, degrees={self.degrees}, ranks={self.ranks}, "
                f"backend={self.backend!r})")

    # -- evaluation (tensor_formats.chebyshev_tucker.evaluation) -----------------------
    def __call__(self, points: Any, *, extrapolate: bool = False):
        """Values at scattered points of shape ``(N, d)`` (result shape ``(N,)``).

        Points outside the box raise ``ValueError`` unless ``extrapolate=True``.
        """
        return evaluation.values_at(self, points, extrapolate=extrapolate)

    def on_grid(self, *xs: Any, full: bool = False, extrapolate: bool = False):
        """Values on the tensor grid ``x1 × ... × xd``.

        Returns the algebraic Tucker tensor (:class:`~tensor_formats.tucker.TuckerTensor`
        with factors ``T(x_k) V_k``, storage ``O(n r)`` per mode), or with ``full=True``
        the full array of shape ``(len(x1), ..., len(xd))``.
        """
        return evaluation.on_grid(self, *xs, full=full, extrapolate=extrapolate)

    # -- calculus (tensor_formats.chebyshev_tucker.calculus) ----------------------------
    def integral(self, axes: int | Sequence[int] | None = None, *, box: Sequence[Sequence[float]] | None = None):
        """Integral over the box (a float), or over ``axes`` (a ChebyshevTucker in the rest).

        ``box``: integrate over this sub-box instead (inside the domain; with ``axes``, the
        sub-box applies to every variable).  Line integrals: ``f.slice(...).integral()``.
        """
        f = self if box is None else self.restrict(box)
        return calculus.integral(f, axes)

    def diff(self, axis: int, order: int = 1) -> ChebyshevTucker:
        """Partial derivative of the given order along ``axis`` (factors re-orthonormalised by QR)."""
        return calculus.diff(self, axis, order)

    def norm(self, ord: float | str | None = None) -> float:
        """L2 norm ``(∫ f²)^(1/2)`` over the box (exact from the Chebyshev Gram matrices), or with
        ``ord=math.inf`` (or ``"inf"``) the sup-norm ``max |f|`` (location: :meth:`argmax_abs`)."""
        if ord is None or ord == 2:
            return calculus.norm(self)
        if ord == math.inf or ord == "inf":
            return extrema.sup_norm(self)[0]
        raise ValueError(f"ord must be None, 2 or inf, got {ord!r}")

    def modal_singular_values(self) -> list:
        """Singular values of each mode of the continuous HOSVD (Chebfun3's ``hosvd``): of the
        mode-``k`` unfoldings of the core after the factors are made L2-orthonormal.

        Examples
        --------
        >>> import numpy as np
        >>> from tensor_formats import ChebyshevTucker
        >>> f = ChebyshevTucker.from_function(lambda x, y: np.sin(x + y), [(-1, 1)] * 2)
        >>> [np.round(s, 12).tolist() for s in f.modal_singular_values()]
        [[0.890670841216, 0.890670841216], [0.890670841216, 0.890670841216]]
        """
        return calculus.modal_singular_values(self)

    def cumsum(self, axis: int) -> ChebyshevTucker:
        """``∫_{a_k}^{x_k} f dx_k`` along mode ``axis`` (a function of all variables)."""
        return geometry.cumsum(self, axis)

    def grad(self) -> vector.ChebyshevTuckerVector:
        """The gradient, a :class:`~tensor_formats.chebyshev_tucker.vector.ChebyshevTuckerVector`."""
        return vector.grad(self)

    def laplacian(self) -> ChebyshevTucker:
        """``Σ_k ∂²f/∂x_k²``."""
        return vector.laplacian(self)

    # -- geometry and extrema (tensor_formats.chebyshev_tucker.geometry, .extrema) ------
    def restrict(self, box: Sequence[Sequence[float]]) -> ChebyshevTucker:
        """The same function on a sub-box of its domain (each mode re-expanded there, then chopped)."""
        return geometry.restrict(self, box)

    def slice(self, *values: float | None):
        """Fix variables: ``f.slice(x, None, None)`` is ``(y, z) -> f(x, y, z)``.

        A number fixes that variable (inside the box), ``None`` keeps it.  Two or more kept
        variables give a ChebyshevTucker, one a
        :class:`~tensor_formats.chebyshev_tucker.univariate.ChebyshevLine` (evaluation,
        integral, cumsum, roots, extrema, plot), none the value.
        """
        return geometry.slice_at(self, values)

    def max(self) -> float:
        """Global maximum (grid search then local polish; location: :meth:`argmax`)."""
        return extrema.extremum(self, "max")[0]

    def min(self) -> float:
        """Global minimum (location: :meth:`argmin`)."""
        return extrema.extremum(self, "min")[0]

    def argmax(self) -> tuple[float, ...]:
        """Location of the global maximum."""
        return extrema.extremum(self, "max")[1]

    def argmin(self) -> tuple[float, ...]:
        """Location of the global minimum."""
        return extrema.extremum(self, "min")[1]

    def argmax_abs(self) -> tuple[float, ...]:
        """Location of ``max |f|``."""
        return extrema.sup_norm(self)[1]

    def plot(self, ax: Any = None, *, n: int = 200, **kwargs: Any):
        """Filled contour plot of a 2-D function with matplotlib (the ``[plot]`` extra); returns the axes."""
        if self.ndim != 2:
            raise ValueError(f"plot draws 2-D functions; slice this {self.ndim}-D one first (f.slice(...))")
        import numpy as np

        from sciml._extras import require

        plt = require("matplotlib.pyplot")
        ax = plt.gca() if ax is None else ax
        host = self if self.backend == "numpy" else self.to_backend("numpy")
        x, y = (np.linspace(a, b, int(n)) for a, b in self.domain)
        ax.contourf(x, y, host.on_grid(x, y, full=True).T, levels=kwargs.pop("levels", 30), **kwargs)
        return ax

    # -- compression and arithmetic (tensor_formats.chebyshev_tucker.arithmetic) --------
    def compress(self, tol: float | None = None, *, rank: int | Sequence[int] | None = None,
                 reference_norm: float | None = None) -> ChebyshevTucker:
        """Recompress by an HOSVD of the core (exact for orthonormal factors).

        The ε-rule is relative to the coefficient norm, or to ``reference_norm``.
        """
        return arithmetic.compress(self, tol, rank=rank, reference_norm=reference_norm)

    def __add__(self, other) -> ChebyshevTucker:
        other = arithmetic.operand(self, other, ChebyshevTucker)
        return NotImplemented if other is NotImplemented else arithmetic.add(self, other)

    __radd__ = __add__

    def __neg__(self) -> ChebyshevTucker:
        return arithmetic.negate(self)

    def __sub__(self, other) -> ChebyshevTucker:
        return self + (-other)

    def __rsub__(self, other) -> ChebyshevTucker:
        return (-self) + other

    def __mul__(self, other) -> ChebyshevTucker:
        if isinstance(other, (int, float)):
            return arithmetic.scale(self, other)
        other = arithmetic.operand(self, other, ChebyshevTucker)
        return NotImplemented if other is NotImplemented else arithmetic.multiply(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other) -> ChebyshevTucker:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            if other == 0:
                raise ZeroDivisionError("division of a ChebyshevTucker by zero")
            return arithmetic.scale(self, 1.0 / float(other))
        other = arithmetic.operand(self, other, ChebyshevTucker)
        return NotImplemented if other is NotImplemented else arithmetic.divide(self, other)

    def __rtruediv__(self, other) -> ChebyshevTucker:
        other = arithmetic.operand(self, other, ChebyshevTucker)
        return NotImplemented if other is NotImplemented else arithmetic.divide(other, self)

    def __pow__(self, exponent) -> ChebyshevTucker:
        return arithmetic.power(self, exponent)

    def __abs__(self) -> ChebyshevTucker:
        """``|f|`` by re-sampling (accurate where ``f`` does not change sign, as in Chebfun3)."""
        return arithmetic.compose(self, lambda v: abs(v))

    def apply(self, fn: Callable[[Any], Any]) -> ChebyshevTucker:
        """Composition ``fn(f)`` with a vectorised univariate function, adaptively re-sampled.

        Examples
        --------
        >>> import numpy as np
        >>> from tensor_formats import ChebyshevTucker
        >>> f = ChebyshevTucker.from_function(lambda x, y: x + y, [(0, 1)] * 2)
        >>> g = f.apply(np.exp)
        >>> g.ranks, bool(abs(g.integral() - (np.e - 1) ** 2) < 1e-11)
        ((1, 1), True)
        """
        return arithmetic.compose(self, fn)

    def simplify(self, tol: float | None = None) -> ChebyshevTucker:
        """Ranks and degrees chopped to ``tol`` (default ``self.tol``): Chebfun's ``simplify``."""
        return simplify_module.simplify(self, tol)

    # -- tensorly (tensor_formats.chebyshev_tucker.interop) -----------------------------
    def to_tensorly(self):
        """Core and coefficient factors as a tensorly ``TuckerTensor`` (needs tensorly: ``[bench]``)."""
        return interop.to_tensorly(self)

    @classmethod
    def from_tensorly(cls, tucker: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                      backend: str = "numpy") -> ChebyshevTucker:
        """From a tensorly ``TuckerTensor`` of Chebyshev coefficients on ``domain``."""
        return interop.from_tensorly(cls, tucker, domain, tol=tol, backend=backend)

    # -- backends and files (tensor_formats.chebyshev_tucker.files) ---------------------
    def to_backend(self, name: str) -> ChebyshevTucker:
        """The same function with core and factors on backend ``name``."""
        return ChebyshevTucker(to_backend(self.core, name), [to_backend(v, name) for v in self.factors],
                               self.domain, tol=self.tol)

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` file (plain arrays only: no pickled objects), atomically."""
        files.save(self, path)

    @classmethod
    def load(cls, path: str | Path, *, backend: str = "numpy") -> ChebyshevTucker:
        """Read a file written by :meth:`save` (never unpickles); a damaged file raises ``ValueError``."""
        return files.load(cls, path, backend=backend)
