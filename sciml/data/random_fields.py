"""Random input functions for operator learning: seeded, batched, array API.

Every generator returns a :class:`RandomFunctions` object: ``n_samples`` functions that
can be evaluated at any points, ``funcs(x) -> (n_samples, len(x))``.  ODE and PDE solvers
evaluate their inputs exactly where they need them (at Runge–Kutta stages, at sensors),
instead of interpolating a sampled grid.

Examples
--------
>>> import numpy as np
>>> from sciml.data.random_fields import GaussianRandomField1D
>>> funcs = GaussianRandomField1D(length_scale=0.2).sample(3, seed=0)
>>> funcs(np.linspace(0, 1, 5)).shape
(3, 5)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, namespace_for

__all__ = ["ChebyshevRandomFunctions", "GaussianRandomField1D", "RandomFunctions", "spectral_gaussian_field"]


class RandomFunctions:
    """A batch of functions on an interval; ``funcs(x)`` gives ``(n_samples, len(x))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data import GaussianRandomField1D, RandomFunctions
    >>> funcs = GaussianRandomField1D(length_scale=0.2, n_nodes=100).sample(3, seed=0)
    >>> isinstance(funcs, RandomFunctions), funcs(np.linspace(0, 1, 7)).shape
    (True, (3, 7))
    """

    n_samples: int
    domain: tuple[float, float]

    def __call__(self, x: Any):
        raise NotImplementedError

    def _check(self, x):
        xp = array_namespace(x)
        if x.ndim != 1:
            raise ValueError(f"evaluation points must be 1-D, got shape {tuple(x.shape)}")
        if not bool(xp.all(xp.isfinite(x))):
            raise ValueError("evaluation points contain NaN or infinite values")
        a, b = self.domain
        slack = 1e-12 * (b - a)
        if bool(xp.any(x < a - slack)) or bool(xp.any(x > b + slack)):
            raise ValueError(f"evaluation points outside [{a}, {b}]")
        return xp


@dataclass
class _KernelExpansion(RandomFunctions):
    nodes: Any  # (G,)
    modes: Any  # (G, r): u(x) = (k(x, nodes) @ modes) @ coefficients
    coefficients: Any  # (r, n_samples)
    length_scale: float
    domain: tuple[float, float]

    @property
    def n_samples(self) -> int:
        return int(self.coefficients.shape[1])

    def __call__(self, x):
        xp = self._check(x)
        d = x[:, None] - self.nodes[None, :]
        k = xp.exp(-(d * d) / (2.0 * self.length_scale**2))
        return ((k @ self.modes) @ self.coefficients).T

    def antiderivative(self, x):
        """Exact ``∫_a^x u`` of every sample: ``∫ exp(-(s-c)²/2l²) ds`` is an erf difference."""
        from sciml.backend import scipy_like

        xp = self._check(x)
        erf = scipy_like(xp).special.erf
        scale = self.length_scale * math.sqrt(2.0)
        a = self.domain[0]
        k = (erf((x[:, None] - self.nodes[None, :]) / scale) - erf((a - self.nodes[None, :]) / scale))
        k = k * (self.length_scale * math.sqrt(math.pi / 2.0))
        return ((k @ self.modes) @ self.coefficients).T


@functools.lru_cache(maxsize=8)
def _karhunen_loeve(length_scale: float, variance: float, a: float, b: float, n_nodes: int, backend: str):
    """Nodes, kept eigenvalues and eigenvectors of the RBF kernel matrix (memoised: the
    eigen-decomposition is the expensive part and data sets build the same field repeatedly)."""
    xp = namespace_for(backend)
    nodes = xp.linspace(a, b, n_nodes, dtype=xp.float64)
    d = nodes[:, None] - nodes[None, :]
    eigenvalues, vectors = xp.linalg.eigh(variance * xp.exp(-(d * d) / (2.0 * length_scale**2)))
    keep = eigenvalues > 1e-13 * float(xp.max(eigenvalues))
    n_keep = int(xp.sum(xp.astype(keep, xp.int64)))
    return nodes, eigenvalues[-n_keep:], vectors[:, -n_keep:]


class GaussianRandomField1D:
    """Zero-mean GP on ``[a, b]`` with the RBF kernel ``exp(-|x - x'|² / 2l²)`` (DeepONet's inputs).

    Sampling uses the eigen-decomposition of the kernel matrix on ``n_nodes`` equispaced
    nodes (the stable form of the Cholesky sampling of the reference code: eigenvalues below
    ``1e-13 λ_max`` are dropped), and the Nyström extension ``u(x) = k(x, X) V Λ^(-1/2) ξ``
    evaluates each sample anywhere, exactly consistent with its nodal values.

    Parameters
    ----------
    length_scale : float
    variance : float
    domain : (a, b)
    n_nodes : int
    backend : str

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data import GaussianRandomField1D
    >>> grf = GaussianRandomField1D(length_scale=0.5, n_nodes=200)
    >>> u = grf.sample(2000, seed=0)(np.array([0.3]))
    >>> bool(abs(u.var() - 1.0) < 0.1)                      # the kernel's variance
    True
    """

    def __init__(self, *, length_scale: float = 0.2, variance: float = 1.0, domain=(0.0, 1.0), n_nodes: int = 1000,
                 backend: str = "numpy"):
        if not (0 < length_scale < math.inf and 0 < variance < math.inf):
            raise ValueError(f"length_scale and variance must be finite and > 0, got {length_scale} and {variance}")
        a, b = _interval(domain)
        if int(n_nodes) < 2:
            raise ValueError(f"n_nodes must be >= 2, got {n_nodes}")
        self.length_scale, self.variance, self.domain = float(length_scale), float(variance), (a, b)
        self._xp, self.backend = namespace_for(backend), backend
        self.nodes, self.eigenvalues, self.vectors = _karhunen_loeve(
            self.length_scale, self.variance, a, b, int(n_nodes), backend)

    @property
    def rank(self) -> int:
        """Number of Karhunen–Loève modes kept."""
        return int(self.eigenvalues.shape[0])

    def sample(self, n_samples: int, *, seed: int | None = None) -> RandomFunctions:
        """``n_samples`` independent functions (reproducible with ``seed``)."""
        import numpy as np

        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        xp = self._xp
        xi = xp.asarray(np.random.default_rng(seed).standard_normal((self.rank, int(n_samples))))
        # Nyström: u(x) = σ² k(x, X) V Λ^(-1/2) ξ, with Λ the eigenvalues of σ² k(X, X).
        modes = self.variance * self.vectors / xp.sqrt(self.eigenvalues)[None, :]
        return _KernelExpansion(self.nodes, modes, xi, self.length_scale, self.domain)


@dataclass
class ChebyshevRandomFunctions(RandomFunctions):
    """``u(x) = Σ_{i<N} a_i T_i(t)``, ``a_i ~ U[-1, 1]``, on ``[a, b]`` (DeepONet's second input family).

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data import ChebyshevRandomFunctions
    >>> funcs = ChebyshevRandomFunctions.sample(4, degree=5, seed=0)
    >>> values = funcs(np.linspace(0, 1, 11))
    >>> values.shape, bool(np.abs(values).max() <= 5)       # |Σ a_i T_i| <= Σ |a_i| <= degree
    ((4, 11), True)
    """

    coefficients: Any  # (N, n_samples)
    domain: tuple[float, float] = (0.0, 1.0)

    @classmethod
    def sample(cls, n_samples: int, *, degree: int = 20, domain=(0.0, 1.0), seed: int | None = None,
               backend: str = "numpy") -> ChebyshevRandomFunctions:
        import numpy as np

        if int(n_samples) < 1 or int(degree) < 1:
            raise ValueError(f"n_samples and degree must be >= 1, got {n_samples} and {degree}")
        domain = _interval(domain)
        xp = namespace_for(backend)
        c = np.random.default_rng(seed).uniform(-1.0, 1.0, (int(degree), int(n_samples)))
        return cls(xp.asarray(c), domain)

    @property
    def n_samples(self) -> int:
        return int(self.coefficients.shape[1])

    def __call__(self, x):
        from tensor_formats.chebyshev import evaluate

        self._check(x)
        return evaluate(self.coefficients, x, self.domain).T


def _interval(domain) -> tuple[float, float]:
    a, b = (float(v) for v in domain)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"domain needs finite a < b, got {tuple(domain)}")
    return a, b


def spectral_gaussian_field(n_samples: int, n: int, *, dim: int = 1, alpha: float = 2.0, tau: float = 3.0,
                            sigma: float | None = None, boundary: str = "periodic", backend: str = "numpy",
                            seed: int | None = None):
    """Samples of ``N(0, σ² (-Δ + τ²)^(-α))`` on ``[0, 1]^dim`` (dim 1 or 2), as the FNO data sets use.

    ``boundary="periodic"``: Fourier modes ``e^{2πi k·x}`` on the grid ``x_j = j/n``;
    ``boundary="neumann"``: cosine modes ``cos(π k x)`` at cell centres ``(j + 1/2)/n``.
    ``σ`` defaults to ``τ^(α - dim/2)`` (the FNO scripts' normalisation).  The constant mode is
    removed (zero mean), as in the FNO scripts.

    Returns
    -------
    array of shape ``(n_samples, n)`` or ``(n_samples, n, n)``

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data import spectral_gaussian_field
    >>> a = spectral_gaussian_field(3, 32, dim=2, seed=0)
    >>> a.shape, bool(np.allclose(a.mean(axis=(1, 2)), 0))          # the constant mode is removed
    ((3, 32, 32), True)
    """
    import numpy as np

    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim}")
    if boundary not in ("periodic", "neumann"):
        raise ValueError(f"boundary must be 'periodic' or 'neumann', got {boundary!r}")
    if int(n_samples) < 1 or int(n) < 2:
        raise ValueError(f"n_samples must be >= 1 and n >= 2, got {n_samples} and {n}")
    if not (0 < tau < math.inf and 0 < alpha < math.inf):
        # tau = 0 made sigma = 0**(alpha - dim/2) = 0: every sample the zero field (Darcy: a constant a)
        raise ValueError(f"tau and alpha must be finite and > 0, got tau={tau}, alpha={alpha}")
    xp = namespace_for(backend)
    sigma = tau ** (alpha - dim / 2.0) if sigma is None else float(sigma)
    if not 0 < sigma < math.inf:
        raise ValueError(f"sigma must be finite and > 0, got {sigma}")
    rng = np.random.default_rng(seed)
    n = int(n)
    if boundary == "periodic":
        k = np.fft.fftfreq(n, d=1.0 / n)
    else:
        k = np.arange(n) / 2.0  # cos(π k x) = cos(2π (k/2) x)
    grids = np.meshgrid(*([k] * dim), indexing="ij")
    lam = 4.0 * math.pi**2 * sum(g * g for g in grids)
    amplitude = sigma * (lam + tau**2) ** (-alpha / 2.0)
    amplitude[(0,) * dim] = 0.0
    shape = (int(n_samples),) + (n,) * dim
    if boundary == "periodic":
        coefficients = xp.asarray(amplitude * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2))
        axes = tuple(range(1, dim + 1))
        # Real part of Σ ξ_k √λ_k e^{2πikx}: each real draw has the field's covariance.
        field = xp.real(xp.fft.ifftn(coefficients, axes=axes)) * (n**dim) * math.sqrt(2)
        return field
    j = np.arange(n)
    basis = np.cos(np.pi * np.outer((j + 0.5) / n, np.arange(n)))  # (x, k)
    basis[:, 1:] *= math.sqrt(2.0)
    c = xp.asarray(rng.standard_normal(shape) * amplitude)
    b = xp.asarray(basis)
    if dim == 1:
        return c @ b.T
    return b @ c @ b.T
