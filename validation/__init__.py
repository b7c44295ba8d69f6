"""Validation: exact solutions, error metrics, a registry of checks and the report.

Run ``python -m validation`` for the report.  ``validation`` imports no other
component of this project (they register their checks through the entry-point group
``validation.checks``) and never imports torch.
"""

from . import exact, metrics

__all__ = ["exact", "metrics"]
