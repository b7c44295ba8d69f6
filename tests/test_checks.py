"""Every registered validation check passes on every backend, with the orders it claims."""

import pytest

from validation.checks import Check, CheckOutcome, CheckRegistry, default_registry

REGISTRY = default_registry()


def test_registry_collects_the_components_through_entry_points():
    components = {c.component for c in REGISTRY}
    assert {"solvers", "validation.exact"} <= components
    for dim in (1, 2, 3):
        assert f"solvers-poisson-{dim}d-sine" in REGISTRY


@pytest.mark.parametrize("name", REGISTRY.names())
def test_check_passes(name, backend):
    if backend not in REGISTRY[name].backends:
        pytest.skip(f"{name} does not run on {backend}")
    outcome = REGISTRY.run(name, backend=backend)
    assert outcome.passed, (name, outcome)
    if outcome.expected_order is not None:
        assert abs(outcome.observed_order - outcome.expected_order) <= outcome.order_tolerance


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_poisson_checks_show_order_two(dim):
    for kind in ("sine", "manufactured", "cosine"):
        outcome = REGISTRY.run(f"solvers-poisson-{dim}d-{kind}")
        assert outcome.observed_order == pytest.approx(2.0, abs=0.1)
        errors = outcome.convergence["errors"]
        assert all(e1 / e2 == pytest.approx(4.0, rel=0.1) for e1, e2 in zip(errors, errors[1:]))


def test_outcome_pass_rules():
    assert CheckOutcome(error=1e-3, tolerance=1e-2).passed
    assert not CheckOutcome(error=float("nan"), tolerance=1.0).passed
    assert not CheckOutcome(error=1e-3, tolerance=1e-2, expected_order=2.0, observed_order=1.5).passed
    assert not CheckOutcome(error=1e-3, tolerance=1e-2, expected_order=2.0).passed
    assert CheckOutcome(error=1e-3, tolerance=1e-2, expected_order=2.0, observed_order=2.05).passed


def test_registry_rejects_duplicates_and_unknown_names():
    registry = CheckRegistry()
    check = Check("a", "demo", "demo", lambda backend: CheckOutcome(0.0, 0.0))
    registry.add(check)
    with pytest.raises(ValueError, match="already registered"):
        registry.add(check)
    with pytest.raises(KeyError, match="no check named"):
        registry["b"]
    assert [c.name for c in registry.select(["a*"])] == ["a"]
    assert registry.select(["zzz"]) == []
