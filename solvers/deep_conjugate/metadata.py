"""Structured metadata of the shipped DCDM models and the training envelope a solve is checked against.

A learned solver is only as good as the set it was trained on.  :class:`ModelMetadata` records,
per shipped model, what it saw (dimension, grid sizes, boundary kinds of the domain faces, cell
types, geometry families, closed domains or not), the training recipe read from the model file's
header with a hash of it, and the model's figures on the named suite
(``benchmarks/bench_dcdm_suite.py``).  :meth:`ModelMetadata.envelope_issues` lists how a solve
leaves that envelope; :func:`solvers.dcdm` turns them into an :class:`EnvelopeWarning` (the solve
still runs: the safeguard keeps it convergent, but expect more iterations).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .geometry_input import CELL_TYPE_CHANNELS

__all__ = ["EnvelopeWarning", "ModelMetadata", "model_metadata"]

#: Header fields that are results of a training run, not its recipe (left out of the hash).
_RESULT_KEYS = ("wall_time_s", "held_out_loss", "results")

#: Models shipped with the package (``pretrained/<name>.safetensors``) and what they were trained on
#: (re-exported by :mod:`.pretrained`).
PRETRAINED = {"poisson2d": "64² open-top box", "poisson3d": "32³ open-top box",
              "geometry2d": "geometry-conditioned: random domains and face mixes, 24–96 cells per axis",
              "geometry3d": "geometry-conditioned: random domains and face mixes, 16–40 cells per axis"}

#: What the shipped models were trained on, beyond what their file header states as free text.
#: Both: the empty open-top box (Dirichlet ``p = 0`` on the top face, Neumann walls elsewhere).
_ENVELOPES = {
    "poisson2d": dict(geometry_families=("open-top box",), boundary_kinds=("dirichlet", "neumann"),
                      cell_types=("fluid", "dirichlet", "neumann"), closed_domains=False),
    "poisson3d": dict(geometry_families=("open-top box",), boundary_kinds=("dirichlet", "neumann"),
                      cell_types=("fluid", "dirichlet", "neumann"), closed_domains=False),
}

#: The models' figures on the named suite (``benchmarks/bench_dcdm_suite.py``, see RESULTS.md, issue 17).
#: Iterations to 1e-6 over the rows that converged within 400; fallbacks as a share of the steps.
#: Square cells, DCDM defaults (64 kept directions) since 2026-12-05.
_SUITE: dict[str, dict[str, Any]] = {
    "poisson2d": {"date": "2026-12-05", "rows": 26, "converged": 26, "median_iterations": 35.5,
                  "worst_iterations": 156, "worst_fallback_share": 0.19, "amg_pcg_median": 9, "ic0_pcg_median": 138},
    "geometry2d": {"date": "2026-12-05", "rows": 26, "converged": 26, "median_iterations": 29.5,
                   "worst_iterations": 57, "worst_fallback_share": 0.0, "amg_pcg_median": 9, "ic0_pcg_median": 138},
    "poisson3d": {"date": "2026-12-05", "rows": 20, "converged": 20, "median_iterations": 23.5,
                  "worst_iterations": 103, "worst_fallback_share": 0.38, "amg_pcg_median": 8, "ic0_pcg_median": 83.5},
    "geometry3d": {"date": "2026-12-05", "rows": 20, "converged": 20, "median_iterations": 33,
                   "worst_iterations": 67, "worst_fallback_share": 0.0, "amg_pcg_median": 8, "ic0_pcg_median": 83.5},
}


class EnvelopeWarning(UserWarning):
    """A solve outside the training envelope of the model (:meth:`ModelMetadata.envelope_issues`).

    Examples
    --------
    >>> import warnings
    >>> from solvers.deep_conjugate import EnvelopeWarning, model_metadata
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", EnvelopeWarning)     # make it an error in a strict run
    ...     try:
    ...         model_metadata("poisson2d").check_envelope(grid_shape=(1024, 1024))
    ...     except EnvelopeWarning as warning:
    ...         print("outside the envelope:", "grid" in str(warning))
    outside the envelope: True
    """


@dataclass(frozen=True)
class ModelMetadata:
    """What a DCDM model was trained on, how, and how it does on the suite.

    Attributes
    ----------
    name : str
    dimension : int
    grid_sizes : tuple of tuple of int
        Grids trained on.
    boundary_kinds : tuple of str
        Kinds of domain faces seen in training ("dirichlet", "neumann").
    cell_types : tuple of str
        Cell types seen: "fluid", "solid" (interior obstacles), "dirichlet"/"neumann" (cells next
        to a face of that kind).
    geometry_families : tuple of str
    closed_domains : bool
        Whether domains without an open face (a null space) were in the training set.
    recipe : dict
        The training recipe from the model file's header (results such as the wall time left out).
    recipe_hash : str
        First 16 hex digits of the SHA-256 of the recipe's canonical JSON.
    suite : dict
        Figures on the named suite (empty when not measured).
    max_scale : float
        A grid with an axis this many times the largest trained size or more is outside the envelope.

    Examples
    --------
    >>> from solvers.deep_conjugate import model_metadata
    >>> meta = model_metadata("poisson2d")
    >>> meta.dimension, meta.grid_sizes, meta.boundary_kinds
    (2, ((64, 64),), ('dirichlet', 'neumann'))
    >>> meta.envelope_issues(grid_shape=(256, 256))
    ['the grid (256, 256) is 4.0x the largest trained (64, 64) along an axis (envelope: < 4x)']
    """

    name: str
    dimension: int
    grid_sizes: tuple[tuple[int, ...], ...]
    boundary_kinds: tuple[str, ...]
    cell_types: tuple[str, ...]
    geometry_families: tuple[str, ...]
    closed_domains: bool
    recipe: Mapping[str, Any] = field(default_factory=dict)
    recipe_hash: str = ""
    suite: Mapping[str, Any] = field(default_factory=dict)
    max_scale: float = 4.0

    def envelope_issues(self, A: Any | None = None, *, grid_shape: tuple[int, ...] | None = None) -> list[str]:
        """How a solve with operator ``A`` on ``grid_shape`` leaves the training envelope (empty: inside).

        Checked: the grid's size against the largest trained one (``max_scale``), the shape of
        ``A``'s cells (``A.spacing``: every model was trained on square cells), the kinds of
        ``A``'s domain faces (``A.bc``), solid cells (``A.n_solid``) and a null space
        (``A.nullspace_size``) when those were not trained.  An operator without these attributes
        (a matrix) is checked on its grid only.
        """
        issues = []
        if grid_shape is None:
            grid_shape = getattr(A, "grid_shape", None)
        if grid_shape is not None:
            grid_shape = tuple(int(n) for n in grid_shape)
            if len(grid_shape) != self.dimension:
                issues.append(f"the grid {grid_shape} is {len(grid_shape)}D; the model is {self.dimension}D")
            else:
                largest = max(self.grid_sizes, key=lambda g: max(g))
                scale = max(n / max(largest) for n in grid_shape)
                if scale >= self.max_scale:
                    issues.append(f"the grid {grid_shape} is {scale:.1f}x the largest trained {largest} along an "
                                  f"axis (envelope: < {self.max_scale:g}x)")
        spacing = getattr(A, "spacing", None)
        if spacing is not None and max(spacing) > 1.001 * min(spacing):
            issues.append(f"cells of aspect ratio {max(spacing) / min(spacing):.3g} (spacing {tuple(spacing)}); "
                          "trained on square cells")
        kinds = {kind for pair in getattr(A, "bc", ()) for kind in pair}
        unseen = sorted(kinds - set(self.boundary_kinds))
        if unseen:
            issues.append(f"boundary kind(s) {unseen} on the domain faces; trained on {list(self.boundary_kinds)}")
        n_solid = int(getattr(A, "n_solid", 0) or 0)
        if n_solid and "solid" not in self.cell_types:
            issues.append(f"{n_solid} solid cells (obstacles); trained on {list(self.geometry_families)} without "
                          "solid cells")
        if int(getattr(A, "nullspace_size", 0) or 0) and not self.closed_domains:
            issues.append("a closed domain (null space); trained on domains with an open face only")
        return issues

    def check_envelope(self, A: Any | None = None, *, grid_shape: tuple[int, ...] | None = None,
                       stacklevel: int = 2) -> list[str]:
        """Warn (:class:`EnvelopeWarning`) when :meth:`envelope_issues` finds any; returns them.

        Examples
        --------
        >>> import warnings
        >>> from solvers.deep_conjugate import EnvelopeWarning, model_metadata
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = model_metadata("poisson3d").check_envelope(grid_shape=(128, 128, 128))
        >>> caught[0].category is EnvelopeWarning
        True
        """
        import warnings

        issues = self.envelope_issues(A, grid_shape=grid_shape)
        if issues:
            warnings.warn(f"model {self.name!r} is used outside its training envelope: " + "; ".join(issues)
                          + " (expect more iterations; see solvers.deep_conjugate.model_metadata)",
                          EnvelopeWarning, stacklevel=stacklevel + 1)
        return issues


def recipe_hash(recipe: Mapping[str, Any]) -> str:
    """First 16 hex digits of the SHA-256 of ``recipe``'s canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(dict(recipe), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_metadata(name: str) -> ModelMetadata:
    """The :class:`ModelMetadata` of the shipped model ``name`` (a key of
    :data:`~solvers.deep_conjugate.PRETRAINED`), its recipe read from the model file's header.

    The models trained on random domains (``geometry2d``, ``geometry3d``) state their envelope in
    the header (sizes per axis, families, boundary kinds, closed domains); the open-top box models
    have it recorded here.

    Examples
    --------
    >>> from solvers.deep_conjugate import model_metadata
    >>> meta = model_metadata("poisson3d")
    >>> meta.grid_sizes, meta.recipe["steps"], len(meta.recipe_hash)
    (((32, 32, 32),), 4000, 16)
    """
    from importlib import resources

    from sciml.models import MAX_MODEL_BYTES
    from sciml.models.header import read_header

    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}; available: {sorted(PRETRAINED)}")
    with resources.as_file(resources.files(__package__) / "pretrained" / f"{name}.safetensors") as file:
        header = read_header(file, max_bytes=MAX_MODEL_BYTES)
    recipe = {k: v for k, v in header.metadata.items() if k not in _RESULT_KEYS}
    dimension = int(recipe["dimension"])
    if "grid_sizes_per_axis" in recipe:  # random domains: the smallest and the largest trained grid
        low, high = (int(n) for n in recipe["grid_sizes_per_axis"])
        envelope = dict(grid_sizes=((low,) * dimension, (high,) * dimension),
                        geometry_families=tuple(recipe["geometry_families"]),
                        boundary_kinds=tuple(recipe["boundary_kinds"]), cell_types=CELL_TYPE_CHANNELS,
                        closed_domains=bool(recipe["closed_domains"]))
    else:
        envelope = dict(grid_sizes=(tuple(recipe["grid"]),), **_ENVELOPES[name])
    return ModelMetadata(name=name, dimension=dimension, recipe=recipe, recipe_hash=recipe_hash(recipe),
                         suite=dict(_SUITE.get(name, {})), **envelope)
