"""Checks that each exact solution satisfies its equation.

The residual of the PDE is formed with second-order central differences of the exact
solution (in space and time) at interior sample points, for a sequence of step sizes;
it must fall like ``h²`` (observed order 2 ± 0.1).  A wrong sign, coefficient or factor
in a formula leaves an O(1) residual and fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sciml.backend import array_namespace, namespace_for

from . import exact
from .checks import CheckOutcome, CheckRegistry
from .metrics import observed_order

__all__ = ["register", "residual_study", "STEPS"]

#: Finite-difference steps of the residual studies.
STEPS = (4e-3, 2e-3, 1e-3, 5e-4)


def _shift(coords: tuple, axis: int, delta: float) -> tuple:
    return tuple(c + delta if i == axis else c for i, c in enumerate(coords))


def d1(u: Callable, coords: tuple, axis: int, h: float):
    """Central first difference of ``u(coords)`` along ``axis``."""
    return (u(_shift(coords, axis, h)) - u(_shift(coords, axis, -h))) / (2.0 * h)


def d2(u: Callable, coords: tuple, axis: int, h: float):
    """Central second difference of ``u(coords)`` along ``axis``."""
    return (u(_shift(coords, axis, h)) - 2.0 * u(coords) + u(_shift(coords, axis, -h))) / (h * h)


def sample_points(solution: exact.ExactSolution, backend: str, *, per_axis: int = 7,
                  unbounded: tuple[float, float] = (-1.5, 1.5)):
    """Interior sample points (10 % away from each face), one broadcastable array per axis."""
    xp = namespace_for(backend)
    coords = []
    for axis, (a, b) in enumerate(solution.domain):
        if not (math.isfinite(a) and math.isfinite(b)):
            a, b = unbounded
        margin = 0.1 * (b - a)
        c = xp.linspace(a + margin, b - margin, per_axis, dtype=xp.float64)
        shape = [1] * solution.dim
        shape[axis] = per_axis
        coords.append(xp.reshape(c, tuple(shape)))
    return tuple(coords)


def residual_study(residual: Callable[[float], object], *, tolerance: float,
                   steps: Sequence[float] = STEPS, expected_order: float = 2.0) -> CheckOutcome:
    """Max-norm residual for each step and its observed order."""
    errors = []
    for h in steps:
        r = residual(h)
        xp = array_namespace(r)
        errors.append(float(xp.max(xp.abs(r))))
    return CheckOutcome(
        error=errors[-1], tolerance=tolerance, observed_order=observed_order(errors, steps),
        expected_order=expected_order, convergence={"h": list(steps), "errors": errors},
        measure="max PDE residual",
    )


def _evolution_residual(sol, backend, t: float, rhs: Callable) -> Callable[[float], object]:
    """Residual ``u_t - rhs(u, coords, h)`` at the sample points and time ``t``.

    The time derivative uses scalar time shifts (time is a float in the interface).
    """
    coords = sample_points(sol, backend)

    def residual(h):
        u = lambda c: sol.solution(*c, t=t)  # noqa: E731
        u_t = (sol.solution(*coords, t=t + h) - sol.solution(*coords, t=t - h)) / (2.0 * h)
        return u_t - rhs(u, coords, h)

    return residual


def _laplacian(u, coords, h):
    return sum(d2(u, coords, axis, h) for axis in range(len(coords)))


def register(registry: CheckRegistry) -> None:
    """Add the exact-solution residual checks to ``registry``."""
    component = "validation.exact"

    for dim in (1, 2, 3):
        for cls in (exact.PoissonSineMode, exact.PoissonCosineMode, exact.PoissonManufactured):
            sol = cls(dim)

            def run(backend, sol=sol):
                coords = sample_points(sol, backend)
                u = lambda c: sol.solution(*c)  # noqa: E731
                return residual_study(lambda h: -_laplacian(u, coords, h) - sol.source(*coords), tolerance=1e-4)

            registry.check(f"exact-{sol.name}", component=component,
                           description=f"{sol.equation} residual of {type(sol).__name__}({dim}D)")(run)

    for dim in (1, 2, 3):
        heat = exact.HeatFourierMode(dim, kappa=0.1, modes=(1, 2, 1)[:dim])

        def run_heat(backend, sol=heat):
            return residual_study(
                _evolution_residual(sol, backend, 0.3, lambda u, c, h: sol.kappa * _laplacian(u, c, h)),
                tolerance=1e-4)

        registry.check(f"exact-{heat.name}", component=component,
                       description=f"u_t = κΔu residual of the {dim}D heat mode")(run_heat)

    kernel = exact.HeatKernel(kappa=0.5, t0=0.2)
    registry.check("exact-heat-kernel-1d", component=component,
                   description="u_t = κu_xx residual of the heat kernel")(
        lambda backend, sol=kernel: residual_study(
            _evolution_residual(sol, backend, 0.1, lambda u, c, h: sol.kappa * d2(u, c, 0, h)), tolerance=1e-4))

    def burgers_rhs(sol):
        return lambda u, c, h: sol.nu * d2(u, c, 0, h) - u(c) * d1(u, c, 0, h)

    for sol, t in ((exact.BurgersShock(nu=0.05), 0.2), (exact.BurgersSine(nu=0.1), 0.05),
                   (exact.BurgersSine(nu=0.02, length=2.0, dirichlet=True), 0.2)):
        registry.check(f"exact-{sol.name}", component=component,
                       description=f"Burgers residual of {type(sol).__name__}")(
            lambda backend, sol=sol, t=t: residual_study(
                _evolution_residual(sol, backend, t, burgers_rhs(sol)), tolerance=1e-3))

    def run_cole_hopf_integral(backend):
        import numpy as np

        xp = namespace_for(backend)
        sol = exact.BurgersSine(nu=0.05, length=2.0, dirichlet=True)
        (x,) = sol.grid(64, kind="vertex", backend=backend)
        nodes, weights = np.polynomial.hermite.hermgauss(160)
        y = xp.asarray(nodes, dtype=xp.float64)
        w = xp.asarray(weights, dtype=xp.float64)
        worst = 0.0
        for t in (0.05, 0.3, 1.0):
            spread = math.sqrt(4.0 * sol.nu * t)
            eta = x[:, None] - spread * y[None, :]
            # φ0(η) = exp(z (cos kη - 1)), the Cole–Hopf transform of A sin(kη), scaled.
            phi0 = xp.exp(sol.z * (xp.cos(sol.k * eta) - 1.0))
            u = (spread / t) * xp.sum(w * y * phi0, axis=1) / xp.sum(w * phi0, axis=1)
            worst = max(worst, float(xp.max(xp.abs(u - sol.solution(x, t=t)))))
        return CheckOutcome(error=worst, tolerance=1e-10, measure="max abs difference",
                            details="series solution vs Gauss–Hermite quadrature of the Cole–Hopf integral, "
                                    "ν = 0.05, u0 = sin(πx), t = 0.05, 0.3, 1")

    registry.check("exact-burgers-sine-cole-hopf-integral", component=component,
                   description="Cole–Hopf series agrees with the Cole–Hopf integral to 1e-10")(run_cole_hopf_integral)

    def vorticity_rhs(sol, k2):
        def rhs(u, c, h):
            # ω is an eigenfunction of -Δ with eigenvalue k2, so ψ = ω / k2.
            u_vel = d1(u, c, 1, h) / k2
            v_vel = -d1(u, c, 0, h) / k2
            forcing = sol.source(*c, t=0.0)
            return sol.nu * _laplacian(u, c, h) - u_vel * d1(u, c, 0, h) - v_vel * d1(u, c, 1, h) + forcing
        return rhs

    tg = exact.TaylorGreenVortex(nu=0.01)
    kf = exact.KolmogorovFlow(nu=0.01, initial_fraction=0.3)
    for sol, k2 in ((tg, 2.0 * tg.k**2), (kf, kf.k2)):
        registry.check(f"exact-{sol.name}", component=component,
                       description=f"vorticity-equation residual of {type(sol).__name__}")(
            lambda backend, sol=sol, k2=k2: residual_study(
                _evolution_residual(sol, backend, 0.5, vorticity_rhs(sol, k2)), tolerance=1e-2))

    gauss = exact.GaussianChargePotential(charge=1.5, width=0.5, center=(0.1, -0.2, 0.05))

    def run_gauss(backend, sol=gauss):
        coords = sample_points(sol, backend)
        u = lambda c: sol.solution(*c)  # noqa: E731
        return residual_study(lambda h: -_laplacian(u, coords, h) - sol.source(*coords), tolerance=1e-4)

    registry.check("exact-newton-gaussian-charge", component=component,
                   description="-Δφ = 4πρ residual of the Gaussian-charge potential")(run_gauss)

    def run_split(backend):
        xp = namespace_for(backend)
        pc = exact.PointChargePotential([[0.0, 0.0, 0.0], [0.7, 0.2, -0.1]], [1.0, -0.5], split_width=0.3)
        coords = sample_points(pc, backend, per_axis=6)
        total = pc.solution(*coords)
        split = pc.long_range(*coords) + pc.short_range(*coords)
        error = float(xp.max(xp.abs(split - total)) / xp.max(xp.abs(total)))
        return CheckOutcome(error=error, tolerance=1e-13, measure="max relative",
                            details="erf/r + erfc/r reproduces 1/r for two point charges")

    registry.check("exact-newton-range-split", component=component,
                   description="long-range + short-range parts add up to the point-charge potential")(run_split)

    darcy = exact.Darcy1D()

    def run_darcy(backend, sol=darcy):
        coords = sample_points(sol, backend)

        def residual(h):
            (x,) = coords
            a_plus, a_minus = sol.coefficient(x + h / 2), sol.coefficient(x - h / 2)
            u0, up, um = sol.solution(x), sol.solution(x + h), sol.solution(x - h)
            return -(a_plus * (up - u0) - a_minus * (u0 - um)) / (h * h) - sol.source(x)

        return residual_study(residual, tolerance=1e-4)

    registry.check("exact-darcy-1d", component=component,
                   description="-(a u')' = f residual of the quadrature solution")(run_darcy)

    darcy2 = exact.DarcyManufactured()

    def run_darcy_2d(backend, sol=darcy2):
        coords = sample_points(sol, backend)

        def residual(h):
            u = lambda c: sol.solution(*c)  # noqa: E731
            total = -sol.source(*coords)
            for axis in (0, 1):
                plus, minus = _shift(coords, axis, h / 2), _shift(coords, axis, -h / 2)
                total = total - (sol.coefficient(*plus) * (u(_shift(coords, axis, h)) - u(coords))
                                 - sol.coefficient(*minus) * (u(coords) - u(_shift(coords, axis, -h)))) / (h * h)
            return total

        return residual_study(residual, tolerance=1e-3)

    registry.check("exact-darcy-2d-manufactured", component=component,
                   description="-div(a grad u) = f residual of the manufactured solution")(run_darcy_2d)

    for sol in (exact.Antiderivative(), exact.LinearODE(decay_rate=1.5)):
        lam = getattr(sol, "decay_rate", 0.0)

        def run_ode(backend, sol=sol, lam=lam):
            coords = sample_points(sol, backend)
            u = lambda c: sol.solution(*c)  # noqa: E731
            return residual_study(lambda h: d1(u, coords, 0, h) + lam * u(coords) - sol.input(*coords),
                                  tolerance=1e-4)

        registry.check(f"exact-{sol.name}", component=component,
                       description=f"{sol.equation} residual")(run_ode)

    adv = exact.Advection1D(velocity=0.7)
    registry.check("exact-advection-1d", component=component, description="u_t + c u_x residual")(
        lambda backend, sol=adv: residual_study(
            _evolution_residual(sol, backend, 0.4, lambda u, c, h: -sol.velocity * d1(u, c, 0, h)), tolerance=1e-3))

    wave = exact.Wave1D(speed=0.8)

    def run_wave(backend, sol=wave):
        coords = sample_points(sol, backend)
        t = 0.35

        def residual(h):
            u_tt = (sol.solution(*coords, t=t + h) - 2.0 * sol.solution(*coords, t=t)
                    + sol.solution(*coords, t=t - h)) / (h * h)
            return u_tt - sol.speed**2 * d2(lambda c: sol.solution(*c, t=t), coords, 0, h)

        return residual_study(residual, tolerance=1e-3)

    registry.check("exact-wave-1d", component=component, description="u_tt = c² u_xx residual")(run_wave)
