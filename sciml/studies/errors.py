"""The study errors: a bad spec, an unusable store, a store in use."""

from __future__ import annotations

__all__ = ["SpecError", "StoreError", "StoreLockedError"]


class SpecError(ValueError):
    """An invalid study specification; the message names the key (and the line of a YAML file).

    Examples
    --------
    >>> from sciml.studies import SpecError, parse_spec
    >>> try:
    ...     parse_spec({"name": "s", "problem": "burgers_sine", "grid": {"product": {"nu": [0.1]}},
    ...                 "store": "s", "metric": ["rel_l2"]})
    ... except SpecError as exc:
    ...     print(str(exc).splitlines()[1].strip())
    spec: metric: Extra inputs are not permitted
    """


class StoreError(RuntimeError):
    """The store cannot be used: not writable, disk full, written by another version or another spec.

    Examples
    --------
    >>> import tempfile
    >>> from sciml.studies import StoreError, Study
    >>> store = tempfile.mkdtemp()
    >>> grid = {"product": {"nu": [0.1]}}
    >>> _ = Study(problem="burgers_sine", grid=grid, fixed={"resolution": 16, "t_final": 0.01},
    ...           store=store).run(progress=False)
    >>> other = Study(problem="burgers_sine", grid=grid, fixed={"resolution": 32, "t_final": 0.01}, store=store)
    >>> try:
    ...     other.run(progress=False)        # another spec: refused, not mixed (force_new=True starts anew)
    ... except StoreError as exc:
    ...     print("written by another spec" in str(exc))
    True
    """


class StoreLockedError(StoreError):
    """Another run of the study holds the store's lock.

    Examples
    --------
    >>> import tempfile
    >>> from sciml.studies import StoreLockedError, StudyStore
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> with store.locked():                 # a second run while the first holds the lock
    ...     try:
    ...         with StudyStore(store.path).locked():
    ...             pass
    ...     except StoreLockedError as exc:
    ...         print(type(exc).__name__)
    StoreLockedError
    """
