"""Solvers that generate operator-learning data, batched over many input functions.

Each returns a :class:`PDESolution` (the solution, its grid, the saved times).

* :func:`solve_ode` — RK4 for the antiderivative, nonlinear and pendulum ODEs.
* :func:`solve_diffusion_reaction` — Crank–Nicolson for ``s_t = D s_xx + k s² + u(x)``.
* :func:`solve_burgers` — periodic viscous Burgers, pseudo-spectral with ETDRK4.
* :func:`solve_navier_stokes_2d` — vorticity on the unit torus, pseudo-spectral, Crank–Nicolson/Heun.
* :func:`solve_darcy` — ``-∇·(a∇u) = f`` on the unit square, finite volumes and sparse direct solves.

The data sets built on them are the nouns of :mod:`sciml.data` (``sciml.data.darcy`` and so on).
"""

from .burgers_equation import solve_burgers
from .darcy_flow import solve_darcy
from .diffusion_reaction_equation import solve_diffusion_reaction
from .navier_stokes import fno_forcing, solve_navier_stokes_2d
from .ode import solve_ode
from .solution import PDESolution

__all__ = ["PDESolution", "fno_forcing", "solve_burgers", "solve_darcy", "solve_diffusion_reaction",
           "solve_navier_stokes_2d", "solve_ode"]
