"""The data generators' checks in the validation report (entry point ``validation.checks``)."""

from __future__ import annotations

from sciml.backend import namespace_for
from validation.checks import CheckOutcome, CheckRegistry

__all__ = ["register"]


def _grf_antiderivative(backend: str) -> CheckOutcome:
    from sciml.data import GaussianRandomField1D
    from solvers.pde import solve_ode

    xp = namespace_for(backend)
    funcs = GaussianRandomField1D(length_scale=0.2, backend=backend).sample(50, seed=0)
    x = xp.linspace(0.0, 1.0, 101, dtype=xp.float64)
    error = float(xp.max(xp.abs(solve_ode(funcs, x, n_steps=200).solution - funcs.antiderivative(x))))
    return CheckOutcome(error=error, tolerance=1e-8, measure="max error",
                        details="RK4 (200 steps) against the closed-form (erf) antiderivative of 50 GRF samples")


def register(registry: CheckRegistry) -> None:
    """Add the data generators' checks to ``registry``."""
    registry.check("data-grf-antiderivative", component="sciml.data",
                   description="ODE solver against the exact antiderivative of GRF inputs")(_grf_antiderivative)
