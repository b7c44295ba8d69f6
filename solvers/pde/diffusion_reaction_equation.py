"""Diffusion–reaction ``s_t = D s_xx + k s² + u(x) (+ f(x, t))`` on ``[0, 1]`` with zero boundary values.

Second-order central differences on the vertex grid ``x_i = i/n_x``; Crank–Nicolson for the
diffusion and a second-order extrapolation ``(3 s^n - s^{n-1})/2`` of the reaction term at
``t^{n+1/2}`` (the first step uses ``s^0``, then one Heun correction keeps it second order),
so each step is a linear solve with the same tridiagonal matrix for every input function.
The matrix is inverted once (``n_x - 1`` unknowns) and applied as a dense product, which
batches over functions on any array backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sciml.backend import namespace_for

from .solution import PDESolution

__all__ = ["solve_diffusion_reaction"]


def solve_diffusion_reaction(u: Callable[[Any], Any] | None, *, diffusivity: float = 0.01, reaction: float = 0.01,
                             n_x: int = 100, n_steps: int = 100, t_final: float = 1.0,
                             initial: Callable | None = None, forcing: Callable | None = None,
                             n_functions: int | None = None, backend: str = "numpy") -> PDESolution:
    """Solve the batched diffusion–reaction problem; ``s`` at every node of the space–time grid.

    Parameters
    ----------
    u : callable or None
        Source term ``u(x) -> (n_functions, len(x))`` (time-independent); None for no source.
    diffusivity, reaction : float
        ``D`` and ``k``.
    n_x : int
        Space intervals (``n_x + 1`` nodes ``x_i = i / n_x``).
    n_steps : int
        Time steps (of size ``t_final / n_steps``).
    t_final : float
        Final time.
    initial : callable, optional
        ``s(x, 0)`` as ``initial(x) -> (n_functions, len(x))`` or ``(len(x),)``; zero by default.
    forcing : callable, optional
        Extra ``f(x, t) -> (len(x),)`` (manufactured solutions).
    n_functions : int, optional
        Batch size when ``u`` is None.
    backend : str
        The array backend of the grid and the solution.

    Returns
    -------
    PDESolution
        ``solution`` of shape ``(n_functions, n_steps + 1, n_x + 1)``, ``grid == (x,)`` with
        ``x`` of shape ``(n_x + 1,)``, ``times`` of shape ``(n_steps + 1,)`` (from 0).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import solve_diffusion_reaction
    >>> res = solve_diffusion_reaction(lambda x: np.ones((2, x.shape[0])), n_x=20, n_steps=20)
    >>> s = res.solution
    >>> s.shape, res.times.shape, float(s[0, 0].max()), bool(s[0, -1, 10] > 0)
    ((2, 21, 21), (21,), 0.0, True)
    """
    xp = namespace_for(backend)
    if int(n_x) < 2 or int(n_steps) < 1:
        raise ValueError(f"need n_x >= 2 and n_steps >= 1, got n_x={n_x}, n_steps={n_steps}")
    if not diffusivity > 0:
        raise ValueError(f"diffusivity must be > 0, got {diffusivity}")
    n_x, n_steps = int(n_x), int(n_steps)
    x = xp.linspace(0.0, 1.0, n_x + 1, dtype=xp.float64)
    t = xp.linspace(0.0, float(t_final), n_steps + 1, dtype=xp.float64)
    h, dt = 1.0 / n_x, float(t_final) / n_steps
    inner = x[1:-1]
    source = None if u is None else u(inner)
    if source is not None and (source.ndim != 2 or source.shape[1] != n_x - 1):
        raise ValueError(f"u(x) must return (n_functions, len(x)), got {tuple(source.shape)}")
    n = source.shape[0] if source is not None else (int(n_functions) if n_functions else 1)
    if initial is None:
        s = xp.zeros((n, n_x - 1), dtype=xp.float64)
    else:
        s = xp.broadcast_to(xp.asarray(initial(inner), dtype=xp.float64), (n, n_x - 1))
    # L = second-difference matrix (zero Dirichlet values), A = I - dt/2 D L, B = I + dt/2 D L.
    eye = xp.eye(n_x - 1, dtype=xp.float64)
    lap = (-2.0 * eye + xp.eye(n_x - 1, k=1, dtype=xp.float64) + xp.eye(n_x - 1, k=-1, dtype=xp.float64)) / (h * h)
    a_inverse_t = xp.linalg.inv(eye - 0.5 * dt * diffusivity * lap).T
    b_t = (eye + 0.5 * dt * diffusivity * lap).T

    def rhs_terms(state, time):
        total = reaction * state * state
        if source is not None:
            total = total + source
        if forcing is not None:
            total = total + forcing(inner, time)
        return total

    states = [s]
    previous = None
    for step in range(n_steps):
        time_mid = float(t[step]) + 0.5 * dt
        if previous is None:  # first step: predictor with s^0, corrector with the mean
            predictor = (s @ b_t + dt * rhs_terms(s, time_mid)) @ a_inverse_t
            mid = 0.5 * (s + predictor)
        else:
            mid = 1.5 * s - 0.5 * previous
        new = (s @ b_t + dt * rhs_terms(mid, time_mid)) @ a_inverse_t
        previous, s = s, new
        states.append(s)
    interior = xp.stack(states, axis=1)
    zeros = xp.zeros((n, n_steps + 1, 1), dtype=xp.float64)
    return PDESolution(solution=xp.concat([zeros, interior, zeros], axis=2), grid=(x,), times=t)
