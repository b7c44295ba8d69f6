"""Solvers that generate operator-learning data, batched over many input functions.

* :func:`solve_ode` — RK4 for the antiderivative, nonlinear and pendulum ODEs.
* :func:`diffusion_reaction` — Crank–Nicolson for ``s_t = D s_xx + k s² + u(x)``.
* :func:`burgers` — periodic viscous Burgers, pseudo-spectral with ETDRK4.
* :func:`navier_stokes_2d` — vorticity on the unit torus, pseudo-spectral, Crank–Nicolson/Heun.
* :func:`darcy` — ``-∇·(a∇u) = f`` on the unit square, finite volumes and sparse direct solves.
"""

from .burgers import burgers
from .darcy import darcy
from .diffusion_reaction import diffusion_reaction
from .navier_stokes import fno_forcing, navier_stokes_2d
from .ode import solve_ode

__all__ = ["burgers", "darcy", "diffusion_reaction", "fno_forcing", "navier_stokes_2d", "solve_ode"]
