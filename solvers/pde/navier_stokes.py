"""2D incompressible Navier–Stokes in vorticity form on the unit torus, pseudo-spectral, batched.

``ω_t + u·∇ω = ν Δω + F`` with ``u = (ψ_y, -ψ_x)`` and ``-Δψ = ω`` on ``[0, 1)²`` (grid
``x_j = j/n``, axis -2 is x).  Fourier collocation with the 2/3 rule on the advection term;
Crank–Nicolson on the viscous term and Heun's predictor–corrector on advection and forcing
(second order in time; the FNO data script uses the same splitting with a first-order
explicit advection step).  Runs on any array backend with FFTs (numpy, cupy).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace, device

from .solution import PDESolution

__all__ = ["fno_forcing", "solve_navier_stokes_2d"]


def fno_forcing(x, y):
    """The forcing of the FNO Navier–Stokes data sets, ``0.1 (sin 2π(x + y) + cos 2π(x + y))``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import fno_forcing
    >>> round(float(fno_forcing(np.array(0.0), np.array(0.0))), 12)
    0.1
    """
    xp = array_namespace(x, y)
    theta = 2.0 * math.pi * (x + y)
    return 0.1 * (xp.sin(theta) + xp.cos(theta))


def _wavenumbers(xp, n: int, dev):
    # fftfreq(n, d=1/n) written out: array_api_compat's cupy fftfreq refuses a CUDA device argument.
    k = xp.concat([xp.arange((n - 1) // 2 + 1, dtype=xp.float64, device=dev),
                   xp.arange(-(n // 2), 0, dtype=xp.float64, device=dev)])
    kr = xp.arange(n // 2 + 1, dtype=xp.float64, device=dev)
    kx = xp.reshape(k, (n, 1))
    ky = xp.reshape(kr, (1, n // 2 + 1))
    return kx, ky


def solve_navier_stokes_2d(w0: Any, *, nu: float, t_final: float, dt: float,
                           forcing: Callable | Any | None = fno_forcing,
                           save_times: Sequence[float] | None = None, progress: bool = False) -> PDESolution:
    """Advance the vorticity ``w0`` of shape ``[..., n, n]`` on the unit torus to ``t_final``.

    Parameters
    ----------
    w0 : array of shape ``[..., n, n]``
        Initial vorticity on ``x_j = j/n`` (n even, >= 4); the batch axes are solved together.
    nu : float
        Viscosity (> 0).
    t_final, dt : float
        Final time and time step (rounded down so that an integer number of steps ends at
        ``t_final``).
    forcing : callable, array or None
        ``F(x, y)`` on the grid, an array broadcasting against ``w0``, or None for the unforced
        equation.  Default :func:`fno_forcing`.
    save_times : sequence of float, optional
        Times in ``(0, t_final]`` at which to record the solution; each must be a multiple of
        the step; ``[t_final]`` by default.
    progress : bool
        A tqdm bar over the time steps.

    Returns
    -------
    PDESolution
        ``solution`` of shape ``[..., len(save_times), n, n]`` (the snapshots in the order of
        ``save_times``; ``[..., 1, n, n]`` by default, :attr:`~PDESolution.final` then has the
        shape of ``w0``), ``grid == (x, x)`` with ``x_j = j / n``, ``times`` the save times.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import solve_navier_stokes_2d
    >>> from validation.exact import TaylorGreenVortex
    >>> tg = TaylorGreenVortex(nu=1e-3)
    >>> x, y = tg.grid(32, kind="periodic")
    >>> res = solve_navier_stokes_2d(tg.initial(x, y), nu=1e-3, t_final=1.0, dt=1e-2, forcing=None)
    >>> res.solution.shape, res.times.tolist()
    ((1, 32, 32), [1.0])
    >>> bool(np.max(np.abs(res.final - tg.solution(x, y, t=1.0))) < 1e-8)
    True
    """
    xp = array_namespace(w0)
    w0 = xp.asarray(w0)
    if not xp.isdtype(w0.dtype, "real floating"):
        raise TypeError(f"w0 must be a real floating array, got {w0.dtype}")
    if w0.ndim < 2 or w0.shape[-1] != w0.shape[-2]:
        raise ValueError(f"w0 must have shape [..., n, n], got {tuple(w0.shape)}")
    n = int(w0.shape[-1])
    if n < 4 or n % 2:
        raise ValueError(f"the grid size must be even and >= 4, got {n}")
    if not (nu > 0 and t_final > 0 and dt > 0):
        raise ValueError("nu, t_final and dt must be > 0")
    if not bool(xp.all(xp.isfinite(w0))):
        raise ValueError("w0 contains NaN or infinite values")
    steps = max(1, int(math.ceil(t_final / dt - 1e-9)))
    dt = t_final / steps
    record: dict[int, int] = {}
    if save_times is not None:
        for position, t in enumerate(save_times):
            k = round(float(t) / dt)
            if not (0 < float(t) <= t_final * (1 + 1e-12)) or abs(k * dt - float(t)) > 1e-9 * max(1.0, t_final):
                raise ValueError(f"save time {t} is not a multiple of the step {dt:g} in (0, {t_final}]")
            record[k] = position
        if len(record) != len(save_times):
            raise ValueError("save_times must be distinct")

    dev = device(w0)
    kx, ky = _wavenumbers(xp, n, dev)
    two_pi = 2.0 * math.pi
    laplacian = -(two_pi**2) * (kx * kx + ky * ky)  # symbol of Δ
    inverse = xp.where(laplacian == 0, 0.0, -1.0 / xp.where(laplacian == 0, 1.0, laplacian))  # of -Δ
    cut = n / 3.0
    dealias = xp.astype((xp.abs(kx) <= cut) & (xp.abs(ky) <= cut), w0.dtype)
    ikx, iky = 1j * two_pi * kx, 1j * two_pi * ky
    half = 0.5 * dt * nu * laplacian
    explicit, implicit = 1.0 + half, 1.0 / (1.0 - half)

    axes = (-2, -1)
    if forcing is None:
        force_hat = None
    else:
        if callable(forcing):
            grid = xp.arange(n, dtype=w0.dtype, device=dev) / n
            forcing = forcing(xp.reshape(grid, (n, 1)), xp.reshape(grid, (1, n)))
        forcing = xp.asarray(forcing, dtype=w0.dtype, device=dev)
        if not bool(xp.all(xp.isfinite(forcing))):
            raise ValueError("the forcing contains NaN or infinite values")
        force_hat = xp.fft.rfftn(forcing, axes=axes)

    def tendency(w_hat):
        """Fourier coefficients of ``-u·∇ω + F`` (dealiased)."""
        psi_hat = inverse * w_hat
        u = xp.fft.irfftn(iky * psi_hat, s=(n, n), axes=axes)
        v = xp.fft.irfftn(-ikx * psi_hat, s=(n, n), axes=axes)
        wx = xp.fft.irfftn(ikx * w_hat, s=(n, n), axes=axes)
        wy = xp.fft.irfftn(iky * w_hat, s=(n, n), axes=axes)
        out = -dealias * xp.fft.rfftn(u * wx + v * wy, axes=axes)
        return out if force_hat is None else out + force_hat

    from tqdm import tqdm

    w_hat = xp.fft.rfftn(w0, axes=axes)
    snapshots = [None] * len(record)
    for step in tqdm(range(1, steps + 1), desc="navier-stokes", disable=not progress):
        n0 = tendency(w_hat)
        predictor = implicit * (explicit * w_hat + dt * n0)
        n1 = tendency(predictor)
        w_hat = implicit * (explicit * w_hat + (0.5 * dt) * (n0 + n1))
        if step in record:
            snapshots[record[step]] = xp.fft.irfftn(w_hat, s=(n, n), axes=axes)
    coordinates = xp.arange(n, dtype=xp.float64, device=dev) / n
    if save_times is not None:
        times = xp.asarray([float(t) for t in save_times], dtype=xp.float64, device=dev)
        return PDESolution(solution=xp.stack(snapshots, axis=-3), grid=(coordinates, coordinates), times=times)
    times = xp.asarray([float(t_final)], dtype=xp.float64, device=dev)
    final = xp.fft.irfftn(w_hat, s=(n, n), axes=axes)
    return PDESolution(solution=xp.expand_dims(final, axis=-3), grid=(coordinates, coordinates), times=times)
