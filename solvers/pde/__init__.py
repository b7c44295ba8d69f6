"""Solvers that generate operator-learning data, batched over many input functions.

* :func:`solve_ode` — RK4 for the antiderivative, nonlinear and pendulum ODEs.
"""

from .ode import solve_ode

__all__ = ["solve_ode"]
