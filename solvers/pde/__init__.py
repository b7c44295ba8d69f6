"""Solvers that generate operator-learning data, batched over many input functions.

* :func:`solve_ode` — RK4 for the antiderivative, nonlinear and pendulum ODEs.
* :func:`diffusion_reaction` — Crank–Nicolson for ``s_t = D s_xx + k s² + u(x)``.
* :func:`burgers` — periodic viscous Burgers, pseudo-spectral with ETDRK4.
"""

from .burgers import burgers
from .diffusion_reaction import diffusion_reaction
from .ode import solve_ode

__all__ = ["burgers", "diffusion_reaction", "solve_ode"]
