"""The solvers' contribution to the validation report (entry point ``validation.checks``).

Second-order convergence of :func:`solvers.solve_poisson` to the exact Poisson solutions
in 1, 2 and 3 dimensions (Dirichlet sine modes, the non-separable manufactured solution
with inhomogeneous Dirichlet data, Neumann cosine modes), CG against a sparse direct
solve, and the data-generating PDE solvers of :mod:`solvers.pde` (RK4 order 4,
diffusion–reaction order 2, Burgers against Cole–Hopf, Darcy order 2 on a manufactured
solution, Navier–Stokes against the Taylor–Green vortex and the forced Kolmogorov flow).
"""

from __future__ import annotations

from sciml.backend import namespace_for, to_numpy
from validation import exact
from validation.checks import CheckOutcome, CheckRegistry
from validation.metrics import observed_order, relative_l2

from .poisson import solve_poisson

__all__ = ["register", "poisson_convergence"]

#: Cells per axis of the convergence studies.
RESOLUTIONS = {1: (16, 32, 64, 128), 2: (16, 32, 64, 128), 3: (8, 16, 32, 64)}


def poisson_convergence(problem: exact.ExactSolution, *, backend: str = "numpy",
                        resolutions=None) -> CheckOutcome:
    """Relative L2 errors of the discrete Poisson solution on refined grids, and their order."""
    xp = namespace_for(backend)
    ns = resolutions or RESOLUTIONS[problem.dim]
    errors, hs = [], []
    for n in ns:
        result = solve_poisson(problem.source, n, dim=problem.dim, domain=problem.domain, bc=problem.bc,
                               boundary=problem.boundary, backend=backend, rtol=1e-12)
        u_exact = xp.broadcast_to(problem.solution(*result.coordinates()), result.operator.grid_shape)
        if result.operator.singular:
            u_exact = u_exact - xp.mean(u_exact)
        errors.append(relative_l2(result.solution, u_exact))
        hs.append(max(result.operator.spacing))
    # A 1D profile through the middle of the finest grid for the report.
    axis_cut = tuple(slice(None) if i == 0 else n // 2 for i in range(problem.dim))
    profile = {
        "x": to_numpy(xp.reshape(result.coordinates()[0], (-1,))).tolist(),
        "approx": to_numpy(result.solution[axis_cut]).tolist(),
        "exact": to_numpy(u_exact[axis_cut]).tolist(),
        "xlabel": "x (cut through the middle of the finest grid)",
    }
    return CheckOutcome(
        error=errors[-1], tolerance=1e-3, observed_order=observed_order(errors, hs), expected_order=2.0,
        order_tolerance=0.1, convergence={"h": hs, "errors": errors}, profile=profile,
        measure="relative L2",
        details=f"cells per axis {list(ns)}, CG iterations on the finest grid: {result.info.iterations}",
    )


def _cg_against_direct(backend: str) -> CheckOutcome:
    import scipy.sparse.linalg as spla

    problem = exact.PoissonManufactured(2)
    result = solve_poisson(problem.source, 48, dim=2, boundary=problem.boundary, backend=backend, rtol=1e-13)
    A = result.operator.to_sparse()
    f = to_numpy(result.rhs).reshape(-1)
    direct = spla.spsolve(A.tocsc(), f).reshape(result.operator.grid_shape)
    error = relative_l2(to_numpy(result.solution), direct)
    return CheckOutcome(error=error, tolerance=1e-10, measure="relative L2 vs spsolve",
                        details=f"48x48 manufactured problem, {result.info.iterations} CG iterations")


def _ode_order(backend: str) -> CheckOutcome:
    from solvers.pde import solve_ode

    xp = namespace_for(backend)
    problem = exact.LinearODE.random(6, seed=4, decay_rate=1.0)
    points = xp.linspace(0.0, 1.0, 41, dtype=xp.float64)
    errors, hs = [], []
    for n_steps in (8, 16, 32, 64):
        s = solve_ode(lambda x: problem.input(x)[None, :], points, equation=lambda s, u, xp: -s + u[:, None],
                      state_dim=1, n_steps=n_steps).solution[0, :, 0]
        errors.append(float(xp.max(xp.abs(s - problem.solution(points)))))
        hs.append(1.0 / n_steps)
    return CheckOutcome(error=errors[-1], tolerance=1e-5, observed_order=observed_order(errors, hs),
                        expected_order=4.0, order_tolerance=0.2, convergence={"h": hs, "errors": errors},
                        measure="max error", details="RK4 + Hermite output on s' = -s + u, trigonometric u")


def _diffusion_reaction_study(backend: str, *, manufactured: bool) -> CheckOutcome:
    from solvers.pde import solve_diffusion_reaction

    xp = namespace_for(backend)
    d = k = 0.01
    heat = exact.HeatFourierMode(1, kappa=0.1, modes=2)

    def forcing(x, t):  # makes s = t² sin(πx) exact
        return 2 * t * xp.sin(xp.pi * x) + d * xp.pi**2 * t**2 * xp.sin(xp.pi * x) - k * t**4 * xp.sin(xp.pi * x) ** 2

    errors, hs = [], []
    for n in (10, 20, 40, 80):
        if manufactured:
            res = solve_diffusion_reaction(None, diffusivity=d, reaction=k, n_x=n, n_steps=n, forcing=forcing,
                                           backend=backend)
            reference = xp.sin(xp.pi * res.grid[0])
        else:
            res = solve_diffusion_reaction(None, diffusivity=0.1, reaction=0.0, n_x=n, n_steps=n, initial=heat.initial,
                                           backend=backend)
            reference = heat.solution(res.grid[0], t=1.0)
        errors.append(float(xp.max(xp.abs(res.final[0, :] - reference))))
        hs.append(1.0 / n)
    what = "manufactured s = t² sin(πx), D = k = 0.01" if manufactured else "heat mode sin(2πx), D = 0.1, k = 0"
    return CheckOutcome(error=errors[-1], tolerance=1e-4, observed_order=observed_order(errors, hs), expected_order=2.0,
                        convergence={"h": hs, "errors": errors}, measure="max error at t = 1",
                        details=f"{what}; n_x = n_steps from 10 to 80")


def _burgers_cole_hopf(backend: str) -> CheckOutcome:
    from solvers.pde import solve_burgers

    xp = namespace_for(backend)
    reference = exact.BurgersSine(nu=0.1)
    x = xp.arange(128, dtype=xp.float64) / 128
    r = reference.solution(x, t=1.0)  # series + Gauss–Hermite: evaluate once

    def error(dt):
        u = solve_burgers(xp.sin(2 * xp.pi * x)[None, :], nu=0.1, t_final=1.0, dt=dt).final
        return float(xp.max(xp.abs(u[0, :] - r)) / xp.max(xp.abs(r)))

    steps = [0.0125, 0.00625, 0.003125]
    errors = [error(dt) for dt in steps]
    final = error(1e-3)
    return CheckOutcome(error=final, tolerance=1e-8, observed_order=observed_order(errors, steps), expected_order=4.0,
                        order_tolerance=0.3, convergence={"h": steps, "errors": errors},
                        measure="max relative error at t = 1 (dt = 1e-3)",
                        details="u0 = sin 2πx, ν = 0.1, 128 Fourier points; order measured in dt from 0.0125 "
                                "to 0.003125 (3.76: ETDRK4 nears its order 4 from below)")


def _darcy_manufactured(backend: str) -> CheckOutcome:
    from solvers.pde import solve_darcy

    xp = namespace_for(backend)
    problem = exact.DarcyManufactured()
    sizes, errors = (16, 32, 64, 128), []
    for n in sizes:
        x, y = problem.grid(n, backend=backend)
        u = solve_darcy(problem.coefficient(x, y), f=problem.source(x, y)).solution
        errors.append(relative_l2(u, problem.solution(x, y)))
    hs = [1.0 / n for n in sizes]
    cut = n // 2
    profile = {"x": to_numpy(xp.reshape(x, (-1,))).tolist(), "approx": to_numpy(u[:, cut]).tolist(),
               "exact": to_numpy(problem.solution(x, y)[:, cut]).tolist(), "xlabel": "x (cut at y ≈ 1/2, 128²)"}
    return CheckOutcome(error=errors[-1], tolerance=1e-3, observed_order=observed_order(errors, hs), expected_order=2.0,
                        convergence={"h": hs, "errors": errors}, profile=profile, measure="relative L2",
                        details="finite volumes with harmonic face means, a = 2 + sin 2πx cos 3πy, "
                                "u = sin πx sin πy, sparse direct solves at 16² to 128²")


def _navier_stokes_taylor_green(backend: str) -> CheckOutcome:
    from solvers.pde import solve_navier_stokes_2d

    xp = namespace_for(backend)
    vortex = exact.TaylorGreenVortex(nu=1e-3)
    x, y = vortex.grid(64, kind="periodic", backend=backend)
    errors, steps = [], (0.02, 0.01, 0.005)
    reference = vortex.solution(x, y, t=1.0)
    for dt in steps:
        w = solve_navier_stokes_2d(vortex.initial(x, y), nu=1e-3, t_final=1.0, dt=dt, forcing=None).final
        errors.append(float(xp.max(xp.abs(w - reference)) / xp.max(xp.abs(reference))))
    return CheckOutcome(error=errors[-1], tolerance=1e-8, observed_order=observed_order(errors, steps),
                        expected_order=2.0, convergence={"h": list(steps), "errors": errors},
                        measure="max relative error at t = 1",
                        details="unforced, ν = 1e-3, sin 2πx sin 2πy, 64², Crank–Nicolson/Heun; order in dt from 0.02 to 0.005")


def _navier_stokes_kolmogorov(backend: str) -> CheckOutcome:
    from solvers.pde import solve_navier_stokes_2d

    xp = namespace_for(backend)
    flow = exact.KolmogorovFlow(nu=1e-3, initial_fraction=0.25)
    x, y = flow.grid(64, kind="periodic", backend=backend)
    w = solve_navier_stokes_2d(flow.initial(x, y), nu=1e-3, t_final=2.0, dt=1e-2).final
    reference = flow.solution(x, y, t=2.0)
    transient = float(xp.max(xp.abs(w - reference)) / xp.max(xp.abs(reference)))
    steady = flow.steady(x, y)
    drift = float(xp.max(xp.abs(solve_navier_stokes_2d(steady, nu=1e-3, t_final=10.0, dt=1e-2).final - steady))
                  / xp.max(xp.abs(steady)))
    return CheckOutcome(error=max(transient, drift), tolerance=1e-6, measure="max relative error",
                        details=f"FNO forcing, ν = 1e-3, 64², dt = 1e-2: transient from 1/4 of the steady state "
                                f"at t = 2: {transient:.1e}; the steady state kept for t = 10: {drift:.1e}")


def register(registry: CheckRegistry) -> None:
    """Add the solver checks to ``registry``."""
    for dim in (1, 2, 3):
        for problem in (exact.PoissonSineMode(dim, modes=(1, 2, 1)[:dim]), exact.PoissonManufactured(dim),
                        exact.PoissonCosineMode(dim, modes=(2, 1, 1)[:dim])):
            registry.check(
                f"solvers-{problem.name}", component="solvers",
                description=f"second-order convergence of the {dim}D {problem.bc} Poisson solve to {problem.name}",
            )(lambda backend, problem=problem: poisson_convergence(problem, backend=backend))
    registry.check("solvers-cg-vs-direct", component="solvers",
                   description="matrix-free CG agrees with a sparse direct solve")(_cg_against_direct)
    registry.check("pde-ode-rk4-order", component="solvers.pde",
                   description="the data-generating ODE solver converges with order 4")(_ode_order)
    registry.check("pde-diffusion-reaction-manufactured", component="solvers.pde",
                   description="diffusion-reaction Crank-Nicolson solver, second order on a manufactured solution")(
        lambda backend: _diffusion_reaction_study(backend, manufactured=True))
    registry.check("pde-diffusion-reaction-heat", component="solvers.pde",
                   description="diffusion-reaction solver with k = 0 against the heat-equation mode")(
        lambda backend: _diffusion_reaction_study(backend, manufactured=False))
    registry.check("pde-burgers-cole-hopf", component="solvers.pde",
                   description="pseudo-spectral ETDRK4 Burgers solver against the Cole-Hopf solution")(_burgers_cole_hopf)
    registry.check("pde-darcy-manufactured", component="solvers.pde",
                   description="Darcy finite volumes, second order on a smooth-coefficient manufactured solution",
                   backends=("numpy", "cupy"))(_darcy_manufactured)
    registry.check("pde-navier-stokes-taylor-green", component="solvers.pde",
                   description="pseudo-spectral Navier-Stokes against the Taylor-Green vortex")(
        _navier_stokes_taylor_green)
    registry.check("pde-navier-stokes-kolmogorov", component="solvers.pde",
                   description="forced Navier-Stokes against the exact Kolmogorov transient and steady state")(
        _navier_stokes_kolmogorov)
