"""What a solver object reports: the policies it accepts, :class:`SolverStats`, and the error and
warning it raises when a solve does not converge (:class:`ConvergenceError` carries the ``info``)."""

from __future__ import annotations

from dataclasses import dataclass

from .krylov import KrylovInfo

__all__ = ["CHECKS", "ON_FAILURE", "ConvergenceError", "ConvergenceWarning", "SolverStats"]

CHECKS = ("once", "never")
ON_FAILURE = ("raise", "warn", "ignore")


class ConvergenceError(RuntimeError):
    """A solve did not reach its tolerance (``on_failure="raise"``); ``error.info`` is its record.

    Examples
    --------
    >>> from solvers import ConvergenceError, KrylovInfo
    >>> error = ConvergenceError("no convergence", KrylovInfo(2, 2, [1.0, 0.9, 0.8], 1e-6))
    >>> error.info.reason
    'maxiter'
    """

    def __init__(self, message: str, info: KrylovInfo):
        super().__init__(message)
        self.info = info


class ConvergenceWarning(UserWarning):
    """A solve did not reach its tolerance (``on_failure="warn"``).

    Examples
    --------
    >>> from solvers import ConvergenceWarning
    >>> issubclass(ConvergenceWarning, UserWarning)
    True
    """


@dataclass
class SolverStats:
    """Counters of a :class:`LinearSolver` (times in seconds, wall clock).

    Attributes
    ----------
    setups, updates, solves : int
        Full set-ups (one at construction), :meth:`LinearSolver.update` calls, solves.
    iterations, last_iterations : int
        Iterations of all solves and of the last one (fallback iterations included).
    setup_time, solve_time : float
        Time in set-up (and updates) and in :meth:`LinearSolver.solve`.
    fallbacks, failures : int
        Solves rescued by the fallback method; solves that did not converge in the end.

    Examples
    --------
    >>> from solvers import SolverStats
    >>> SolverStats().solves
    0
    """

    setups: int = 0
    updates: int = 0
    solves: int = 0
    iterations: int = 0
    last_iterations: int = 0
    setup_time: float = 0.0
    solve_time: float = 0.0
    fallbacks: int = 0
    failures: int = 0
