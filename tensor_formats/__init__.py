"""Tensor formats: Chebyshev, Tucker, Chebyshev–Tucker and FunBaT (to come).

The package is importable today so that the layering and the import-cost tests cover it;
its formats arrive with their own issues.  It never imports torch.
"""

__all__: list[str] = []
