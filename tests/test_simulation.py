"""The smoke simulation of issue 14 (item 6): one solver set up once and called every step, the
projection leaving a divergence at the solver's tolerance, a closed box's pressure of mean zero,
a moved obstacle through ``update``, and bad input naming the argument."""

import numpy as np
import pytest

from solvers.simulation import SmokeSimulation
from solvers.staggered import divergence

N, STEPS = 24, 6


def _disc(n, cx=0.4, cy=0.5, radius=0.15):
    x = (np.arange(n) + 0.5) / n
    return (x[:, None] - cx) ** 2 + (x[None, :] - cy) ** 2 < radius**2


@pytest.mark.parametrize("method", ["cg", "pcg-ic0", "direct"])
@pytest.mark.parametrize("scenario", ["closed", "tunnel"])
def test_projection_each_step(scenario, method):
    sim = SmokeSimulation(_disc(N), scenario=scenario, method=method, rtol=1e-6)
    for _ in range(STEPS):
        record = sim.step()
        assert record.divergence <= 1e-6
        assert record.iterations >= 1
        fluid = ~np.asarray(sim.A.solid)
        if scenario == "closed":
            assert abs(sim.pressure[fluid].mean()) <= 1e-12
            assert abs(record.pressure_mean) <= 1e-12
    assert sim.solver.stats.setups == 1 and sim.solver.stats.solves == STEPS
    assert len(sim.history) == STEPS
    assert sim.density.max() > 0.5                        # smoke is there and moves
    if scenario == "tunnel":                               # the inflow is kept by the projection
        np.testing.assert_allclose(sim.u[0][0, :], 1.0)
        assert np.abs(sim.u[0][-1, :]).max() > 0.1         # and leaves through the outflow
    else:                                                  # walls carry no normal velocity
        assert np.abs(sim.u[0][[0, -1], :]).max() == 0.0 and np.abs(sim.u[1][:, [0, -1]]).max() == 0.0


def test_full_divergence_is_the_staggered_one_without_inflow():
    sim = SmokeSimulation(_disc(N), scenario="closed")
    sim.step()
    np.testing.assert_array_equal(sim.full_divergence(), divergence(sim.A, sim.u))


@pytest.mark.parametrize("scenario", ["closed", "tunnel"])
def test_move_obstacle_updates_the_solver(scenario):
    sim = SmokeSimulation(_disc(N), scenario=scenario, method="pcg-ic0")
    sim.run(3)
    moved = _disc(N, cx=0.55)
    sim.move_obstacle(moved)
    assert sim.solver.stats.updates == 1
    np.testing.assert_array_equal(np.asarray(sim.A.solid), moved)
    records = sim.run(3)
    assert all(r.divergence <= 1e-6 for r in records)
    assert sim.solver.stats.solves == 6
    assert np.abs(sim.density[moved]).max() == 0.0
    if scenario == "closed":
        assert all(abs(r.pressure_mean) <= 1e-12 for r in records)


def test_bad_input():
    with pytest.raises(ValueError, match="solid"):
        SmokeSimulation(np.zeros((N, N)), scenario="closed")            # not boolean
    with pytest.raises(ValueError, match="solid must be a 2D or 3D"):
        SmokeSimulation(np.zeros((N,), dtype=bool))                     # neither 2D nor 3D
    with pytest.raises(ValueError, match="scenario"):
        SmokeSimulation(_disc(N), scenario="open")
    with pytest.raises(ValueError, match="dt"):
        SmokeSimulation(_disc(N), dt=0.0)
    sim = SmokeSimulation(_disc(N))
    with pytest.raises(ValueError, match="new_solid"):
        sim.move_obstacle(_disc(N + 2))
    assert sim.solver.stats.updates == 0


@pytest.mark.parametrize("scenario", ["closed", "tunnel"])
def test_3d_projection_each_step(scenario):
    n = 10
    x = (np.arange(n) + 0.5) / n
    ball = (x[:, None, None] - 0.45) ** 2 + (x[None, :, None] - 0.5) ** 2 + (x[None, None, :] - 0.5) ** 2 < 0.2**2
    sim = SmokeSimulation(ball, scenario=scenario, method="pcg-mic0", rtol=1e-6)
    assert [c.shape for c in sim.u] == [(n + 1, n, n), (n, n + 1, n), (n, n, n + 1)]
    records = sim.run(3)
    assert all(r.divergence <= 1e-6 and r.iterations >= 1 for r in records)
    assert sim.solver.stats.setups == 1 and sim.solver.stats.solves == 3
    assert sim.density.max() > 0.5 and np.abs(sim.density[ball]).max() == 0.0
    if scenario == "closed":
        assert all(abs(r.pressure_mean) <= 1e-12 for r in records)
        assert sim.u[2][:, :, 1:-1].max() > 0.1                              # the smoke rises along z
        assert np.abs(sim.u[2][:, :, [0, -1]]).max() == 0.0                  # walls carry no normal velocity
    else:
        np.testing.assert_allclose(sim.u[0][0][~ball[0]], 1.0)               # the inflow is kept
        assert np.abs(sim.u[1][:, [0, -1], :]).max() == 0.0 and np.abs(sim.u[2][:, :, [0, -1]]).max() == 0.0
