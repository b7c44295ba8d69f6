"""Batched fixed-step Runge–Kutta for the ODEs of the DeepONet benchmarks.

``s' = g(s, u(x), x)`` on ``[0, 1]`` with ``s(0) = s0``, for many input functions ``u`` at
once.  The input is evaluated exactly at the stage points (``u`` is a callable giving
``(n_functions, len(x))``), the classical RK4 step gives order 4, and values between grid
points come from cubic Hermite interpolation with the exact slopes, also order 4.
"""

from __future__ import annotations

import math

from collections.abc import Callable
from typing import Any

from sciml.backend import array_namespace, device

from .solution import PDESolution

__all__ = ["ODE_RIGHT_HAND_SIDES", "solve_ode"]


def _antiderivative(s, u, xp):
    return u[:, None]


def _nonlinear(s, u, xp):
    return -s * s + u[:, None]


def _pendulum(s, u, xp, k=1.0):
    return xp.stack([s[:, 1], -k * xp.sin(s[:, 0]) + u], axis=1)


#: name -> (right-hand side g(s, u, xp), state dimension)
ODE_RIGHT_HAND_SIDES = {"antiderivative": (_antiderivative, 1), "nonlinear": (_nonlinear, 1), "pendulum": (_pendulum, 2)}


def solve_ode(u: Callable[[Any], Any], points: Any, *, equation: str | Callable = "antiderivative",
              state_dim: int | None = None, n_steps: int = 200, domain=(0.0, 1.0)) -> PDESolution:
    """Solve ``s' = g(s, u(x))``, ``s(a) = 0``, for every input function; the solution ``s`` at ``points``.

    Parameters
    ----------
    u : callable
        ``u(x)`` -> ``(n_functions, len(x))``, e.g. :class:`sciml.data.random_fields.RandomFunctions`.
    points : array (P,) or (n_functions, P)
        Where to return the solution (in ``[a, b]``): shared, or different for each function.
    equation : {"antiderivative", "nonlinear", "pendulum"} or callable
        ``s' = u``, ``s' = -s² + u``, or the gravity pendulum ``s1' = s2, s2' = -sin s1 + u``;
        a callable ``g(s, u, xp)`` with ``s`` of shape (n, state_dim) needs ``state_dim``.
    state_dim : int, optional
        The state dimension of a callable ``equation``.
    n_steps : int
        RK4 steps on the uniform grid.
    domain : (a, b)
        The interval of the independent variable ``x``.

    Returns
    -------
    PDESolution
        ``solution`` of shape ``(n_functions, P)`` (first state component) for the named
        equations, ``(n_functions, P, state_dim)`` for a callable; ``grid == (points,)``;
        ``times`` None (the independent variable is ``x``, the grid coordinate).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import solve_ode
    >>> u = lambda x: np.cos(2 * np.pi * x)[None, :]
    >>> s = solve_ode(u, np.array([0.25]), equation="antiderivative", n_steps=50).solution
    >>> bool(abs(s[0, 0] - 1 / (2 * np.pi)) < 1e-7)
    True
    """
    xp = array_namespace(points)
    if isinstance(equation, str):
        if equation not in ODE_RIGHT_HAND_SIDES:
            raise ValueError(f"equation must be one of {sorted(ODE_RIGHT_HAND_SIDES)} or a callable")
        g, dim = ODE_RIGHT_HAND_SIDES[equation]
        first_only = True
    else:
        if state_dim is None:
            raise ValueError("pass state_dim with a callable right-hand side")
        g, dim, first_only = equation, int(state_dim), False
    if int(n_steps) < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}")
    a, b = (float(v) for v in domain)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"domain needs finite a < b, got {tuple(domain)}")
    if points.ndim not in (1, 2) or not bool(xp.all((points >= a) & (points <= b))):
        raise ValueError(f"points must be a (P,) or (n_functions, P) array inside [{a}, {b}]")
    n_steps = int(n_steps)
    h = (b - a) / n_steps
    # Input values at the grid and the midpoints, exactly: columns 0, 1/2, 1, 3/2, ...
    fine = a + xp.arange(2 * n_steps + 1, dtype=points.dtype, device=device(points)) * (h / 2.0)
    values = u(fine)
    if values.ndim != 2 or values.shape[1] != fine.shape[0]:
        raise ValueError(f"u(x) must return (n_functions, len(x)), got {tuple(values.shape)}")
    n = values.shape[0]
    if points.ndim == 2 and points.shape[0] != n:
        raise ValueError(f"points has {points.shape[0]} rows for {n} input functions")
    s = xp.zeros((n, dim), dtype=values.dtype, device=device(values))
    states, slopes = [s], [g(s, values[:, 0], xp)]
    for i in range(n_steps):
        um, u1 = values[:, 2 * i + 1], values[:, 2 * i + 2]
        k1 = slopes[-1]
        k2 = g(s + 0.5 * h * k1, um, xp)
        k3 = g(s + 0.5 * h * k2, um, xp)
        k4 = g(s + h * k3, u1, xp)
        s = s + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        states.append(s)
        slopes.append(g(s, u1, xp))
    grid_s = xp.stack(states, axis=1)  # (n, n_steps + 1, dim)
    grid_ds = xp.stack(slopes, axis=1)
    # Cubic Hermite interpolation on the cell containing each point.
    position = (points - a) / h
    cell = xp.clip(xp.astype(xp.floor(position), xp.int64), 0, n_steps - 1)
    t = position - xp.astype(cell, points.dtype)
    if points.ndim == 1:
        t = t[None, :, None]
        s0, s1 = xp.take(grid_s, cell, axis=1), xp.take(grid_s, cell + 1, axis=1)
        d0, d1 = xp.take(grid_ds, cell, axis=1) * h, xp.take(grid_ds, cell + 1, axis=1) * h
    else:
        t = t[:, :, None]
        index = xp.broadcast_to(cell[:, :, None], tuple(cell.shape) + (dim,))
        s0, s1 = xp.take_along_axis(grid_s, index, axis=1), xp.take_along_axis(grid_s, index + 1, axis=1)
        d0 = xp.take_along_axis(grid_ds, index, axis=1) * h
        d1 = xp.take_along_axis(grid_ds, index + 1, axis=1) * h
    h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
    h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
    result = h00 * s0 + h10 * d0 + h01 * s1 + h11 * d1
    return PDESolution(solution=result[:, :, 0] if first_only else result, grid=(points,))
