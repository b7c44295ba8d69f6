"""Exact solutions of the viscous Burgers equation ``u_t + u u_x = ν u_xx``."""

from __future__ import annotations

import math

from sciml.backend import device

from ._base import ExactSolution

__all__ = ["BurgersShock", "BurgersSine"]


class BurgersShock(ExactSolution):
    """Traveling viscous shock from ``u_left`` to ``u_right < u_left``.

    ``u = c - (Δ/2) tanh(Δ (x - x0 - c t) / (4ν))``, ``c = (u_left + u_right)/2``,
    ``Δ = u_left - u_right``.  Boundary values on the finite ``domain`` are the solution.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import BurgersShock
    >>> b = BurgersShock(nu=0.01, u_left=1.0, u_right=0.0)
    >>> float(b.solution(np.array([0.25]), t=0.5)[0])   # the shock centre moves at c = 1/2
    0.5
    """

    name = "burgers-shock"
    equation = "u_t + u u_x = ν u_xx"
    bc = "dirichlet"
    dim = 1
    time_dependent = True

    def __init__(self, *, nu: float = 0.05, u_left: float = 1.0, u_right: float = 0.0,
                 x0: float = 0.0, domain=((-1.0, 1.0),)):
        self.nu, self.u_left, self.u_right, self.x0 = float(nu), float(u_left), float(u_right), float(x0)
        if not self.nu > 0:
            raise ValueError(f"nu must be > 0, got {nu}")
        if not self.u_left > self.u_right:
            raise ValueError("a viscous shock needs u_left > u_right")
        self.domain = tuple((float(a), float(b)) for a, b in domain)
        self.speed = 0.5 * (self.u_left + self.u_right)

    @property
    def coefficients(self):
        return {"nu": self.nu, "u_left": self.u_left, "u_right": self.u_right, "x0": self.x0}

    def _solution(self, xp, x, t):
        jump = self.u_left - self.u_right
        return self.speed - 0.5 * jump * xp.tanh(jump * (x - self.x0 - self.speed * t) / (4.0 * self.nu))


class BurgersSine(ExactSolution):
    """Cole–Hopf solution for sine initial data ``u0 = A sin(2π x / L)``.

    With ``k = 2π/L`` and ``z = A/(2νk)`` the Cole–Hopf transform ``u = -2ν φ_x / φ``
    turns Burgers into the heat equation for ``φ``, whose solution is known two ways:

    * the Fourier series ``φ = I0(z) + 2 Σ_n I_n(z) e^(-ν n² k² t) cos(n k x)`` (modified
      Bessel functions, exponentially scaled, cut where the terms fall below 1e-17);
    * the Gaussian convolution ``φ = ∫ G(x - η, t) exp(z (cos kη - 1)) dη``, evaluated
      by 200-point Gauss–Hermite quadrature.

    The series cancels catastrophically where ``φ`` becomes tiny (small ν, early
    times): it is used when ``φ_min/φ_max >= 1e-3`` and the quadrature otherwise.  The
    tests check the result against a 90-digit evaluation of the series (``mpmath``),
    including the classic ``ν = 0.01/π``, to better than 1e-10.

    The solution is ``L``-periodic.  By odd symmetry its restriction to ``[0, L/2]``
    solves the Dirichlet problem with zero boundary values: ``dirichlet=True`` sets that
    domain (the classic ``u0 = sin(πx)`` on ``[0, 1]`` is ``length=2``).

    Parameters
    ----------
    nu : float
        Viscosity; ``|z| = |A| L / (4πν)`` may be at most ``max_z`` (default 60).
    amplitude, length : float
    dirichlet : bool

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import BurgersSine
    >>> b = BurgersSine(nu=0.1)
    >>> x = np.array([0.125, 0.25])
    >>> bool(np.allclose(b.solution(x, t=0.0), np.sin(2 * np.pi * x), atol=1e-14))
    True
    """

    equation = "u_t + u u_x = ν u_xx"
    dim = 1
    time_dependent = True
    #: Use the series while φ_min / φ_max is at least this (cancellation error ~ 1e-16 / ratio).
    series_threshold = 1e-3
    hermite_nodes = 200
    _chunk = 16384

    def __init__(self, *, nu: float = 0.1, amplitude: float = 1.0, length: float = 1.0,
                 dirichlet: bool = False, max_z: float = 60.0):
        from scipy.special import ive

        self.nu, self.amplitude, self.length = float(nu), float(amplitude), float(length)
        if not (self.nu > 0 and self.length > 0):
            raise ValueError(f"nu and length must be > 0, got nu={nu}, length={length}")
        self.k = 2.0 * math.pi / self.length
        self.z = self.amplitude / (2.0 * self.nu * self.k)
        if abs(self.z) > max_z:
            raise ValueError(
                f"z = A L/(4πν) = {self.z:.3g} exceeds {max_z}: the Cole–Hopf evaluation is not "
                "validated there; use a larger viscosity"
            )
        self.dirichlet = bool(dirichlet)
        self.bc = "dirichlet" if self.dirichlet else "periodic"
        self.domain = ((0.0, self.length / 2 if self.dirichlet else self.length),)
        self.name = "burgers-sine-dirichlet" if self.dirichlet else "burgers-sine-periodic"
        # Host-side coefficients: c_0 = I0(z) e^-|z|, c_n = 2 I_n(z) e^-|z|.
        coeffs = [float(ive(0, self.z))]
        n = 1
        while True:
            c = 2.0 * float(ive(n, self.z))
            coeffs.append(c)
            if abs(c) < 1e-17 * abs(coeffs[0]) or n > 10_000:
                break
            n += 1
        self.series = tuple(coeffs)

    @property
    def coefficients(self):
        return {"nu": self.nu, "amplitude": self.amplitude, "length": self.length, "dirichlet": self.dirichlet}

    def _weights(self, t: float) -> list[float]:
        return [c * math.exp(-self.nu * (n * self.k) ** 2 * t) for n, c in enumerate(self.series)]

    def uses_series(self, t: float) -> bool:
        """Whether time ``t`` is evaluated by the series (else by quadrature)."""
        w = self._weights(t)
        ratio = sum(c * (-1) ** n for n, c in enumerate(w)) / sum(w)
        if self.z < 0:  # the minimum of φ sits at x = 0 then
            ratio = 1.0 / ratio if ratio != 0 else 0.0
        return ratio >= self.series_threshold

    def _series(self, xp, x, t):
        w = self._weights(t)
        phi = w[0] + 0.0 * x
        dphi = 0.0 * x
        for n, c in enumerate(w[1:], start=1):
            if c == 0.0:
                break
            phi = phi + c * xp.cos(n * self.k * x)
            dphi = dphi - c * n * self.k * xp.sin(n * self.k * x)
        return -2.0 * self.nu * dphi / phi

    def _quadrature(self, xp, x, t):
        import numpy as np

        nodes, weights = np.polynomial.hermite.hermgauss(self.hermite_nodes)
        y = xp.asarray(nodes, dtype=x.dtype, device=device(x))
        w = xp.asarray(weights, dtype=x.dtype, device=device(x))
        spread = math.sqrt(4.0 * self.nu * t)
        flat = xp.reshape(x, (-1,))
        pieces = []
        for start in range(0, flat.shape[0], self._chunk):
            eta = flat[start:min(start + self._chunk, flat.shape[0]), None] - spread * y
            # exp(z (cos kη - |1|)): the shift keeps the exponent <= 0 for either sign of z.
            phi0 = xp.exp(self.z * xp.cos(self.k * eta) - abs(self.z))
            pieces.append((spread / t) * xp.sum(w * y * phi0, axis=1) / xp.sum(w * phi0, axis=1))
        return xp.reshape(xp.concat(pieces) if len(pieces) > 1 else pieces[0], x.shape)

    def _solution(self, xp, x, t):
        if t == 0.0:
            return self.amplitude * xp.sin(self.k * x)
        if self.uses_series(t):
            return self._series(xp, x, t)
        return self._quadrature(xp, x, t)
