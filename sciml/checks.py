"""sciml's contribution to the validation report (entry point ``validation.checks``):
the data-generating ODE solver's convergence, and a small DeepONet on the antiderivative."""

from __future__ import annotations

from sciml.backend import namespace_for, to_numpy
from validation import exact
from validation.checks import CheckOutcome, CheckRegistry
from validation.metrics import observed_order

__all__ = ["register"]


def _ode_order(backend: str) -> CheckOutcome:
    from solvers.pde import solve_ode

    xp = namespace_for(backend)
    problem = exact.LinearODE.random(6, seed=4, decay_rate=1.0)
    points = xp.linspace(0.0, 1.0, 41, dtype=xp.float64)
    errors, hs = [], []
    for n_steps in (8, 16, 32, 64):
        s = solve_ode(lambda x: problem.input(x)[None, :], points, equation=lambda s, u, xp: -s + u[:, None],
                      state_dim=1, n_steps=n_steps)[0, :, 0]
        errors.append(float(xp.max(xp.abs(s - problem.solution(points)))))
        hs.append(1.0 / n_steps)
    return CheckOutcome(error=errors[-1], tolerance=1e-5, observed_order=observed_order(errors, hs),
                        expected_order=4.0, order_tolerance=0.2, convergence={"h": hs, "errors": errors},
                        measure="max error", details="RK4 + Hermite output on s' = -s + u, trigonometric u")


def _grf_antiderivative(backend: str) -> CheckOutcome:
    from sciml.data import GaussianRandomField1D
    from solvers.pde import solve_ode

    xp = namespace_for(backend)
    funcs = GaussianRandomField1D(length_scale=0.2, backend=backend).sample(50, seed=0)
    x = xp.linspace(0.0, 1.0, 101, dtype=xp.float64)
    error = float(xp.max(xp.abs(solve_ode(funcs, x, n_steps=200) - funcs.antiderivative(x))))
    return CheckOutcome(error=error, tolerance=1e-8, measure="max error",
                        details="RK4 (200 steps) against the closed-form (erf) antiderivative of 50 GRF samples")


def _diffusion_reaction_study(backend: str, *, manufactured: bool) -> CheckOutcome:
    from solvers.pde import diffusion_reaction

    xp = namespace_for(backend)
    d = k = 0.01
    heat = exact.HeatFourierMode(1, kappa=0.1, modes=2)

    def forcing(x, t):  # makes s = t² sin(πx) exact
        return 2 * t * xp.sin(xp.pi * x) + d * xp.pi**2 * t**2 * xp.sin(xp.pi * x) - k * t**4 * xp.sin(xp.pi * x) ** 2

    errors, hs = [], []
    for n in (10, 20, 40, 80):
        if manufactured:
            x, _, s = diffusion_reaction(None, diffusivity=d, reaction=k, n_x=n, n_t=n, forcing=forcing, backend=backend)
            reference = xp.sin(xp.pi * x)
        else:
            x, _, s = diffusion_reaction(None, diffusivity=0.1, reaction=0.0, n_x=n, n_t=n, initial=heat.initial,
                                         backend=backend)
            reference = heat.solution(x, t=1.0)
        errors.append(float(xp.max(xp.abs(s[0, -1, :] - reference))))
        hs.append(1.0 / n)
    what = "manufactured s = t² sin(πx), D = k = 0.01" if manufactured else "heat mode sin(2πx), D = 0.1, k = 0"
    return CheckOutcome(error=errors[-1], tolerance=1e-4, observed_order=observed_order(errors, hs), expected_order=2.0,
                        convergence={"h": hs, "errors": errors}, measure="max error at t = 1",
                        details=f"{what}; n_x = n_t from 10 to 80")


def _burgers_cole_hopf(backend: str) -> CheckOutcome:
    from solvers.pde import burgers

    xp = namespace_for(backend)
    reference = exact.BurgersSine(nu=0.1)
    x = xp.arange(128, dtype=xp.float64) / 128
    errors, steps = [], []
    for dt in (0.0125, 0.00625, 0.003125):
        u = burgers(xp.sin(2 * xp.pi * x)[None, :], nu=0.1, t_final=1.0, dt=dt)
        r = reference.solution(x, t=1.0)
        errors.append(float(xp.max(xp.abs(u[0, :] - r)) / xp.max(xp.abs(r))))
        steps.append(dt)
    u = burgers(xp.sin(2 * xp.pi * x)[None, :], nu=0.1, t_final=1.0, dt=1e-3)
    final = float(xp.max(xp.abs(u[0, :] - reference.solution(x, t=1.0))) / xp.max(xp.abs(reference.solution(x, t=1.0))))
    return CheckOutcome(error=final, tolerance=1e-8, observed_order=observed_order(errors, steps), expected_order=4.0,
                        order_tolerance=0.3, convergence={"h": steps, "errors": errors},
                        measure="max relative error at t = 1 (dt = 1e-3)",
                        details="u0 = sin 2πx, ν = 0.1, 128 Fourier points; order measured in dt from 0.0125 to 0.003125 (3.76: ETDRK4 nears its order 4 from below)")


def _deeponet_antiderivative(backend: str) -> CheckOutcome:
    import numpy as np
    import torch

    from sciml.data import GaussianRandomField1D, antiderivative
    from sciml.operators import DeepONet
    from sciml.train import fit

    device = "cuda" if backend == "cupy" else "cpu"
    torch.manual_seed(0)
    data = antiderivative(1000, 10, m=100, seed=0, cache=False)
    model = DeepONet([100, 40, 40], [1, 40, 40]).to(device)
    history = fit(model, data, steps=8000, layout="aligned", lr=1e-3, seed=0, progress=False, eval_every=8000)
    # Fresh functions (another seed), exact antiderivative on a 100-point grid.
    funcs = GaussianRandomField1D(length_scale=0.2).sample(200, seed=12345)
    sensors, grid = np.linspace(0, 1, 100), np.linspace(0, 1, 100)
    u = torch.as_tensor(funcs(sensors), dtype=torch.float32, device=device)
    y = torch.as_tensor(grid[:, None], dtype=torch.float32, device=device)
    with torch.no_grad():
        prediction = model(u, y).cpu().numpy()
    reference = funcs.antiderivative(grid)
    error = float(np.mean(np.linalg.norm(prediction - reference, axis=1) / np.linalg.norm(reference, axis=1)))
    seconds = history.wall_time[-1]
    profile = {"x": grid.tolist(), "exact": reference[0].tolist(), "approx": prediction[0].tolist(),
               "xlabel": "x (first fresh input function)"}
    return CheckOutcome(error=error, tolerance=0.02, measure="mean relative L2 on 200 fresh functions",
                        profile=profile, details=f"branch [100, 40, 40], trunk [1, 40, 40], 1000 functions on a "
                                                  f"100-point grid (aligned), 8000 full-batch Adam steps in "
                                                  f"{seconds:.1f} s")


def register(registry: CheckRegistry) -> None:
    """Add sciml's checks to ``registry``."""
    registry.check("pde-ode-rk4-order", component="solvers.pde",
                   description="the data-generating ODE solver converges with order 4")(_ode_order)
    registry.check("pde-ode-grf-antiderivative", component="solvers.pde",
                   description="ODE solver against the exact antiderivative of GRF inputs")(_grf_antiderivative)
    registry.check("pde-diffusion-reaction-manufactured", component="solvers.pde",
                   description="diffusion-reaction Crank-Nicolson solver, second order on a manufactured solution")(
        lambda backend: _diffusion_reaction_study(backend, manufactured=True))
    registry.check("pde-diffusion-reaction-heat", component="solvers.pde",
                   description="diffusion-reaction solver with k = 0 against the heat-equation mode")(
        lambda backend: _diffusion_reaction_study(backend, manufactured=False))
    registry.check("pde-burgers-cole-hopf", component="solvers.pde",
                   description="pseudo-spectral ETDRK4 Burgers solver against the Cole-Hopf solution")(_burgers_cole_hopf)
    registry.check("deeponet-antiderivative", component="sciml.operators",
                   description="a small DeepONet learns the antiderivative operator in under a minute",
                   backends=("numpy", "cupy"))(_deeponet_antiderivative)
