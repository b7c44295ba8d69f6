"""Random domains for training and judging DCDM models: boxes with obstacles and boundary mixes.

:func:`random_domain` draws one geometry (a :class:`solvers.obstacles.Geometry`: solid mask and
the faces' kinds in the form of :mod:`solvers.boundary`) from the families of the issue: discs /
spheres, rectangles, thin walls with gaps, channels with a constriction, random open faces,
all-open (all Dirichlet) boxes, closed all-Neumann boxes (a null space: build the operator with
``closed="allow"``), wind tunnels (one wall face, the opposite face open).  The named suite
(``benchmarks/bench_dcdm_suite.py``) builds its fixed geometries from the same shapes
(:func:`balls`, :func:`boxes`, :func:`thin_walls`, :func:`channel`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..obstacles import Geometry

__all__ = ["FAMILIES", "balls", "boxes", "channel", "random_domain", "square_cell_operator", "thin_walls"]

#: The geometry families :func:`random_domain` draws from.
FAMILIES = ("balls", "boxes", "thin-walls", "channel", "open-faces", "all-open", "closed", "wind-tunnel")
_AXES = "xyz"


def _coords(shape):
    import numpy as np

    return np.meshgrid(*[(np.arange(n) + 0.5) / n for n in shape], indexing="ij")


def balls(shape: Sequence[int], centres: Sequence[Sequence[float]], radius: float) -> Any:
    """Solid mask: discs (2D) / spheres (3D) of ``radius`` at ``centres`` (unit-box coordinates).

    Examples
    --------
    >>> from solvers.deep_conjugate.random_domains import balls
    >>> int(balls((8, 8), [(0.5, 0.5)], 0.2).sum())
    12
    """
    import numpy as np

    shape = tuple(int(n) for n in shape)
    coords = _coords(shape)
    solid = np.zeros(shape, dtype=bool)
    for centre in centres:
        solid |= sum((c - x0) ** 2 for c, x0 in zip(coords, centre)) <= radius ** 2
    return solid


def boxes(shape: Sequence[int], n_boxes: int, seed: int) -> Any:
    """Solid mask: ``n_boxes`` axis-aligned boxes, edges 0.08–0.25 of the domain, random positions.

    Examples
    --------
    >>> from solvers.deep_conjugate.random_domains import boxes
    >>> bool(boxes((32, 32), 3, seed=0).any())
    True
    """
    import numpy as np

    shape = tuple(int(n) for n in shape)
    rng = np.random.default_rng(seed)
    coords = _coords(shape)
    solid = np.zeros(shape, dtype=bool)
    for _ in range(int(n_boxes)):
        edges = rng.uniform(0.08, 0.25, len(shape))
        low = rng.uniform(0.05, 0.95 - edges)
        inside = np.ones(shape, dtype=bool)
        for c, lo, e in zip(coords, low, edges):
            inside &= (c >= lo) & (c <= lo + e)
        solid |= inside
    return solid


def thin_walls(shape: Sequence[int]) -> Any:
    """Solid mask: one-cell walls across the first axis at 1/3 and 2/3, each with a gap of a fifth
    of the second axis (the first ``m // 5`` cells, and from ``4 m // 5`` on).

    Examples
    --------
    >>> from solvers.deep_conjugate.random_domains import thin_walls
    >>> int(thin_walls((9, 10))[3].sum()), int(thin_walls((9, 10))[6].sum())
    (8, 8)
    """
    import numpy as np

    shape = tuple(int(n) for n in shape)
    solid = np.zeros(shape, dtype=bool)
    n, m = shape[0], shape[1]
    for position, gap in ((n // 3, slice(0, m // 5)), (2 * n // 3, slice(4 * m // 5, None))):
        wall = np.ones(shape[1:], dtype=bool)
        wall[gap] = False
        solid[position] = wall
    return solid


def channel(shape: Sequence[int], *, narrowest: float = 0.15) -> Any:
    """Solid mask: a channel along the first axis, solid bands at both sides of the second axis that
    narrow it to a half-width ``narrowest`` in the middle (0.45 at the ends).

    Examples
    --------
    >>> from solvers.deep_conjugate.random_domains import channel
    >>> mask = channel((40, 20))
    >>> int(mask[0].sum()) < int(mask[20].sum())
    True
    """
    import numpy as np

    x = _coords(tuple(int(n) for n in shape))
    width = 0.45 - (0.45 - narrowest) * np.exp(-((x[0] - 0.5) / 0.12) ** 2)
    return np.abs(x[1] - 0.5) > width


def _faces(dim: int, kinds: Sequence[str]) -> dict:
    return {f"{_AXES[axis]}{side}": kinds[2 * axis + (side == "+")] for axis in range(dim) for side in "-+"}


def random_domain(shape: Sequence[int] | None = None, *, seed: int, family: str | None = None, dim: int = 2,
                  sizes: tuple[int, int] = (24, 96)) -> tuple[Geometry, bool]:
    """One random geometry and whether it is closed (no open face: a null space).

    Parameters
    ----------
    shape : tuple of int, optional
        The grid; drawn per axis from ``sizes`` (inclusive, odd sizes included) when not given.
    seed : int
    family : str, optional
        One of :data:`FAMILIES`; drawn when not given.
    dim : 2 or 3
        Used when ``shape`` is not given.
    sizes : (int, int)

    Returns
    -------
    geometry : Geometry
    closed : bool
        True for the "closed" family (build the operator with ``closed="allow"``).

    Raises
    ------
    ValueError
        An unknown family, a shape with fewer than 2 or more than 3 axes or under 8 cells on one.

    Examples
    --------
    >>> from solvers import ObstacleLaplacian
    >>> from solvers.deep_conjugate import random_domain
    >>> geometry, closed = random_domain(seed=3, family="wind-tunnel")
    >>> A = ObstacleLaplacian(geometry.solid, bc=geometry.bc, closed="allow" if closed else "refuse")
    >>> geometry.bc["x+"], closed
    ('dirichlet', False)
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    if family is None:
        family = FAMILIES[int(rng.integers(len(FAMILIES)))]
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if shape is None:
        if dim not in (2, 3):
            raise ValueError(f"dim must be 2 or 3, got {dim}")
        shape = tuple(int(n) for n in rng.integers(sizes[0], sizes[1] + 1, dim))
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3) or min(shape) < 8:
        raise ValueError(f"shape must have 2 or 3 axes of >= 8 cells, got {shape}")
    d = len(shape)
    walls = ["neumann"] * (2 * d)
    top_open = walls[:-1] + ["dirichlet"]
    solid = np.zeros(shape, dtype=bool)
    closed = False
    if family == "balls":
        n = int(rng.integers(1, 5))
        solid = balls(shape, rng.uniform(0.2, 0.8, (n, d)), float(rng.uniform(0.06, 0.15)))
        bc = _faces(d, top_open)
    elif family == "boxes":
        solid, bc = boxes(shape, int(rng.integers(1, 7)), int(rng.integers(2 ** 31))), _faces(d, top_open)
    elif family == "thin-walls":
        solid, bc = thin_walls(shape), _faces(d, top_open)
    elif family == "channel":
        solid = channel(shape, narrowest=float(rng.uniform(0.08, 0.3)))
        bc = _faces(d, ["neumann", "dirichlet"] + walls[2:])
    elif family == "open-faces":
        kinds = ["dirichlet" if rng.random() < 0.4 else "neumann" for _ in range(2 * d)]
        kinds[int(rng.integers(2 * d))] = "dirichlet"  # at least one open face
        solid, bc = boxes(shape, int(rng.integers(0, 4)), int(rng.integers(2 ** 31))), _faces(d, kinds)
    elif family == "all-open":
        solid = balls(shape, rng.uniform(0.3, 0.7, (1, d)), float(rng.uniform(0.0, 0.2)))
        bc = _faces(d, ["dirichlet"] * (2 * d))
    elif family == "closed":
        solid, bc, closed = boxes(shape, int(rng.integers(0, 4)), int(rng.integers(2 ** 31))), _faces(d, walls), True
    else:  # wind tunnel: inflow wall x-, outflow x+ open, an obstacle
        solid = balls(shape, [(float(rng.uniform(0.2, 0.4)),) + (0.5,) * (d - 1)], float(rng.uniform(0.08, 0.18)))
        bc = _faces(d, ["neumann", "dirichlet"] + walls[2:])
    if not closed:
        solid = _drop_enclosed(solid, bc)
    return Geometry(family, solid, bc), closed


def _drop_enclosed(solid, bc):
    """Fill fluid regions that touch no open face (pockets cut off by obstacles) with solid, so an
    open family never has a null space."""
    from ..obstacles import ObstacleLaplacian

    operator = ObstacleLaplacian(solid, bc=bc, closed="allow")
    if not operator.nullspace_size:
        return solid
    return solid | (operator.nullspace_components > 0)


def square_cell_operator(geometry: Geometry, *, closed: bool = False, backend: str = "numpy") -> Any:
    """The :class:`solvers.ObstacleLaplacian` of ``geometry`` on square (cubic) cells of side
    ``1 / max(shape)``, the grids a simulation code uses (``geometry.operator()`` maps every axis onto
    the unit interval, so a 128×64 grid has cells twice as long as wide); ``closed=True`` keeps a
    null space (``closed="allow"``).

    Examples
    --------
    >>> from solvers.deep_conjugate import random_domain
    >>> from solvers.deep_conjugate.random_domains import square_cell_operator
    >>> geometry, closed = random_domain((40, 20), seed=0, family="channel")
    >>> square_cell_operator(geometry, closed=closed).spacing
    (0.025, 0.025)
    """
    from sciml.backend import to_backend

    from ..obstacles import ObstacleLaplacian

    shape = geometry.solid.shape
    side = 1.0 / max(shape)
    return ObstacleLaplacian(to_backend(geometry.solid, backend), bc=geometry.bc, domain=[(0.0, n * side) for n in shape],
                             closed="allow" if closed else "refuse")
