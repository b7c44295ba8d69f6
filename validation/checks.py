"""A registry of named validation checks that each component contributes.

A *check* is a function ``run(backend) -> CheckOutcome``: it computes an error (and,
for convergence studies, an observed order) on the requested array backend.  Components
contribute checks through the entry-point group ``validation.checks`` declared in
``pyproject.toml``; each entry point is a function ``register(registry)``.  That keeps
:mod:`validation` at the bottom of the layering: it imports no component, the
components import it.

Examples
--------
>>> from validation.checks import CheckOutcome, CheckRegistry
>>> registry = CheckRegistry()
>>> @registry.check("demo-identity", component="demo", description="1 + 1 == 2")
... def _(backend):
...     return CheckOutcome(error=abs((1 + 1) - 2), tolerance=0.0)
>>> registry.run("demo-identity").passed
True
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

__all__ = ["Check", "CheckOutcome", "CheckRegistry", "ENTRY_POINT_GROUP", "default_registry"]

ENTRY_POINT_GROUP = "validation.checks"


@dataclass
class CheckOutcome:
    """What a check measured.

    Parameters
    ----------
    error : float
        The measured error (relative L2, max error, residual: the check says which).
    tolerance : float
        The check passes when ``error <= tolerance`` ...
    expected_order, order_tolerance : float, optional
        ... and, when ``expected_order`` is given, ``|observed_order - expected_order|
        <= order_tolerance``.
    observed_order : float, optional
        Least-squares order from :attr:`convergence`.
    convergence : dict, optional
        ``{"h": [...], "errors": [...]}`` of a convergence study (plotted by the report).
    profile : dict, optional
        ``{"x": [...], "exact": [...], "approx": [...], "xlabel": str}`` host lists of a
        1D cut of the solution (plotted by the report).
    measure : str
        What ``error`` is, e.g. ``"relative L2"``.
    details : str
        Free text for the report.

    Examples
    --------
    >>> from validation.checks import CheckOutcome
    >>> CheckOutcome(error=1e-9, tolerance=1e-8).passed, CheckOutcome(error=1e-7, tolerance=1e-8).passed
    (True, False)
    """

    error: float
    tolerance: float
    observed_order: float | None = None
    expected_order: float | None = None
    order_tolerance: float = 0.1
    convergence: dict[str, list[float]] | None = None
    profile: dict[str, Any] | None = None
    measure: str = "error"
    details: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Error within tolerance and, where asked, the observed order within its band."""
        if not math.isfinite(self.error) or self.error > self.tolerance:
            return False
        if self.expected_order is None:
            return True
        return (
            self.observed_order is not None
            and abs(self.observed_order - self.expected_order) <= self.order_tolerance
        )


@dataclass(frozen=True)
class Check:
    """A named check: ``run(backend)`` returns a :class:`CheckOutcome`.

    Examples
    --------
    >>> from validation.checks import Check, CheckOutcome
    >>> check = Check("demo", "demo", "always exact", lambda backend: CheckOutcome(error=0.0, tolerance=1e-12))
    >>> check.run("numpy").passed
    True
    """

    name: str
    component: str
    description: str
    run: Callable[[str], CheckOutcome]
    backends: tuple[str, ...] = ("numpy", "cupy", "array_api_strict")
    requires: tuple[str, ...] = ()  # optional modules (e.g. "torch"); without them the check is skipped

    def missing(self) -> list[str]:
        """The required modules that are not installed."""
        import importlib.util

        return [m for m in self.requires if importlib.util.find_spec(m) is None]


@dataclass
class CheckRegistry:
    """An ordered collection of checks, filled by the components' ``register`` hooks.

    Examples
    --------
    >>> from validation.checks import CheckOutcome, CheckRegistry
    >>> registry = CheckRegistry()
    >>> @registry.check("demo-zero", component="demo", description="0 == 0")
    ... def _(backend):
    ...     return CheckOutcome(error=0.0, tolerance=0.0)
    >>> registry.names(), [c.name for c in registry.select(["demo-*"])]
    (['demo-zero'], ['demo-zero'])
    """

    _checks: dict[str, Check] = field(default_factory=dict)

    def add(self, check: Check) -> Check:
        """Add a check; names are unique."""
        if check.name in self._checks:
            raise ValueError(f"a check named {check.name!r} is already registered")
        self._checks[check.name] = check
        return check

    def check(self, name: str, *, component: str, description: str,
              backends: Sequence[str] = ("numpy", "cupy", "array_api_strict"), requires: Sequence[str] = ()):
        """Decorator form of :meth:`add`; ``requires`` names optional modules the check needs."""

        def decorate(run: Callable[[str], CheckOutcome]):
            self.add(Check(name, component, description, run, tuple(backends), tuple(requires)))
            return run

        return decorate

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, name: object) -> bool:
        return name in self._checks

    def __getitem__(self, name: str) -> Check:
        try:
            return self._checks[name]
        except KeyError:
            raise KeyError(f"no check named {name!r}; known: {', '.join(self._checks)}") from None

    def names(self) -> list[str]:
        """Names in registration order."""
        return list(self._checks)

    def select(self, patterns: Sequence[str] | None = None, *, backend: str | None = None) -> list[Check]:
        """Checks whose name matches any glob pattern (all when None) and that support ``backend``."""
        chosen = [
            c for c in self
            if (not patterns or any(fnmatch.fnmatch(c.name, p) for p in patterns))
            and (backend is None or backend in c.backends)
        ]
        return chosen

    def run(self, name: str, *, backend: str = "numpy") -> CheckOutcome:
        """Run one check and time it."""
        check = self[name]
        if backend not in check.backends:
            raise ValueError(f"check {name!r} does not run on backend {backend!r}")
        start = time.perf_counter()
        outcome = check.run(backend)
        outcome.seconds = time.perf_counter() - start
        return outcome


def default_registry() -> CheckRegistry:
    """A registry filled by every installed ``validation.checks`` entry point.

    Examples
    --------
    >>> from validation.checks import default_registry
    >>> registry = default_registry()
    >>> "solvers-cg-vs-direct" in registry.names()
    True
    """
    registry = CheckRegistry()
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        entry.load()(registry)
    return registry
