"""One boundary specification for every grid operator and PDE solver: :class:`BoundaryConditions`.

Notation.  The faces of a 1-3 dimensional box are named by axis letter and side: ``"x-"`` /
``"x+"`` are the low / high ends of axis 0, ``"y-"`` / ``"y+"`` of axis 1, ``"z-"`` / ``"z+"``
of axis 2.  A bare axis letter (``"x"``) names both of its faces.  Each face has a kind,

* ``"dirichlet"``: ``u = g`` on the face;
* ``"neumann"``: ``∂u/∂n = g``, the outward normal derivative;
* ``"periodic"``: the face is glued to the opposite one (both faces of the axis must say so),

and a value ``g`` (not for periodic faces): a number, a callable ``g(x1, ..., xd)`` of the
face-centre coordinates (see :meth:`solvers.Grid.face_centers`), or an array of the face's
shape (the grid shape without the face's axis).  The value is 0 unless given.

Every operator and solver takes ``bc=`` in any of these forms, converted in one place
(:meth:`BoundaryConditions.coerce`):

* a kind for every face: ``bc="dirichlet"``;
* one entry per axis, a kind or a ``(low, high)`` pair of kinds: ``bc=("periodic", ("neumann", "dirichlet"))``;
* a dict by face: ``bc={"x": "periodic", "y-": "neumann", "y+": ("dirichlet", 1.0)}``;
* a :class:`BoundaryConditions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["BOUNDARY_CONDITIONS", "BoundaryConditions"]

BOUNDARY_CONDITIONS = ("dirichlet", "neumann", "periodic")
_AXES = "xyz"


def _face_names(dim: int) -> tuple[str, ...]:
    return tuple(f"{_AXES[axis]}{sign}" for axis in range(dim) for sign in "-+")


def _kind(kind: Any, where: str) -> str:
    name = str(kind).lower() if isinstance(kind, str) else kind
    if name not in BOUNDARY_CONDITIONS:
        raise ValueError(f"bc must be one of {BOUNDARY_CONDITIONS}{where}, got {kind!r}")
    return name


def _checked_value(value: Any, face: str) -> Any:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) or callable(value) or hasattr(value, "shape")):
        raise TypeError(f"the value on face {face!r} must be a number, a callable of the face coordinates "
                        f"or an array, got {type(value).__name__}")
    return float(value) if isinstance(value, (int, float)) else value


def _same_value(a: Any, b: Any) -> bool:
    return a is b or (isinstance(a, float) and isinstance(b, float) and a == b)


class BoundaryConditions:
    """The boundary conditions on every face of a box: a kind and a value per face.

    Parameters
    ----------
    faces : mapping
        Face name (``"x-"``, ``"x+"``, ..., or an axis letter for both faces) to a kind
        (``"dirichlet"``, ``"neumann"``, ``"periodic"``) or a ``(kind, value)`` pair; see the
        module notes for the values.
    dim : int, optional
        Number of axes; by default the highest axis named.
    default : str or (kind, value), optional
        The condition of faces ``faces`` leaves out (else every face must be named).

    Attributes
    ----------
    dim : int
    kinds : tuple of (str, str)
        ``(low, high)`` kinds per axis.
    is_periodic : tuple of bool
        Per axis, whether it is periodic.
    singular : bool
        True when no face is Dirichlet (a Laplacian then has the constants as null space).

    Raises
    ------
    ValueError
        An unknown face or kind (the message names it), a face named twice, a face left out
        without ``default``, or a periodic face whose opposite face is not periodic.
    TypeError
        A value that is not a number, callable or array.

    Examples
    --------
    >>> from solvers import BoundaryConditions
    >>> bc = BoundaryConditions({"x": "periodic", "y-": "neumann", "y+": ("dirichlet", 1.0)})
    >>> bc.kinds, bc.is_periodic, bc.singular
    ((('periodic', 'periodic'), ('neumann', 'dirichlet')), (True, False), False)
    >>> bc.value("y+")
    1.0
    >>> BoundaryConditions.coerce(("periodic", ("neumann", "dirichlet")), dim=2) == bc.with_values(0.0)
    True
    >>> BoundaryConditions({"x-": "periodic", "x+": "neumann"})
    Traceback (most recent call last):
    ...
    ValueError: periodic faces come in pairs: 'x-' is periodic but 'x+' is 'neumann'
    """

    __slots__ = ("dim", "_faces")

    def __init__(self, faces: Mapping[str, Any], *, dim: int | None = None, default: Any = None):
        if not isinstance(faces, Mapping):
            raise TypeError(f"faces must be a mapping of face names to kinds, got {type(faces).__name__}")
        names = [str(name) for name in faces]
        unknown = [n for n in names if len(n) not in (1, 2) or n[0] not in _AXES or n[1:] not in ("", "-", "+")]
        if unknown:
            raise ValueError(f"unknown face(s) {unknown} in bc; faces are named 'x-', 'x+', 'y-', 'y+', 'z-', 'z+' "
                             "(or 'x', 'y', 'z' for both faces of an axis)")
        if dim is None:
            dim = 1 + max((_AXES.index(n[0]) for n in names), default=0)
        dim = int(dim)
        if dim not in (1, 2, 3):
            raise ValueError(f"dim must be 1, 2 or 3, got {dim}")
        valid = _face_names(dim)
        entries: dict[str, Any] = {}
        for name, entry in faces.items():
            targets = [f"{name}-", f"{name}+"] if len(name) == 1 else [name]
            outside = [t for t in targets if t not in valid]
            if outside:
                raise ValueError(f"face {name!r} does not exist on a {dim}-dimensional grid (faces: {list(valid)})")
            for target in targets:
                if target in entries:
                    raise ValueError(f"face {target!r} is given twice in bc")
                entries[target] = entry
        missing = [f for f in valid if f not in entries]
        if missing and default is None:
            raise ValueError(f"bc gives no condition for face(s) {missing}; name them or pass default=")
        conditions = []
        for face in valid:
            entry = entries.get(face, default)
            kind, value = (entry, 0.0) if isinstance(entry, str) else tuple(entry) if isinstance(entry, tuple) \
                else (entry, 0.0)
            kind = _kind(kind, f" on face {face!r}")
            value = _checked_value(value, face)
            if kind == "periodic" and not _same_value(value, 0.0):
                raise ValueError(f"periodic face {face!r} takes no value, got {value!r}")
            conditions.append((kind, value))
        for axis in range(dim):
            (low, _), (high, _) = conditions[2 * axis], conditions[2 * axis + 1]
            if (low == "periodic") != (high == "periodic"):
                lone, other, kind = (valid[2 * axis], valid[2 * axis + 1], high) if low == "periodic" \
                    else (valid[2 * axis + 1], valid[2 * axis], low)
                raise ValueError(f"periodic faces come in pairs: {lone!r} is periodic but {other!r} is {kind!r}")
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "_faces", tuple(conditions))

    # -- constructors ------------------------------------------------------------------
    @classmethod
    def dirichlet(cls, dim: int, value: Any = 0.0) -> BoundaryConditions:
        """``u = value`` on every face.

        Examples
        --------
        >>> from solvers import BoundaryConditions
        >>> BoundaryConditions.dirichlet(2).kinds
        (('dirichlet', 'dirichlet'), ('dirichlet', 'dirichlet'))
        """
        return cls({}, dim=dim, default=("dirichlet", value))

    @classmethod
    def neumann(cls, dim: int, value: Any = 0.0) -> BoundaryConditions:
        """``∂u/∂n = value`` on every face.

        Examples
        --------
        >>> from solvers import BoundaryConditions
        >>> BoundaryConditions.neumann(1).singular
        True
        """
        return cls({}, dim=dim, default=("neumann", value))

    @classmethod
    def periodic(cls, dim: int, *, axes: tuple[int, ...] | None = None, otherwise: Any = "dirichlet"
                 ) -> BoundaryConditions:
        """Periodic on ``axes`` (all by default), ``otherwise`` (a kind or ``(kind, value)``) on the rest.

        Examples
        --------
        >>> from solvers import BoundaryConditions
        >>> BoundaryConditions.periodic(2, axes=(0,)).kinds
        (('periodic', 'periodic'), ('dirichlet', 'dirichlet'))
        """
        axes = tuple(range(dim)) if axes is None else tuple(int(a) for a in axes)
        if any(a not in range(dim) for a in axes):
            raise ValueError(f"axes must lie in 0..{dim - 1}, got {axes}")
        return cls({_AXES[a]: "periodic" for a in axes}, dim=dim, default=otherwise)

    @classmethod
    def coerce(cls, bc: Any, dim: int) -> BoundaryConditions:
        """Any accepted form of ``bc`` (see the module notes) as a :class:`BoundaryConditions`.

        Examples
        --------
        >>> from solvers import BoundaryConditions
        >>> BoundaryConditions.coerce("neumann", 2) == BoundaryConditions.neumann(2)
        True
        >>> BoundaryConditions.coerce(["dirichlet"] * 3, 2)
        Traceback (most recent call last):
        ...
        ValueError: bc has 3 entries for a 2-dimensional grid
        """
        if isinstance(bc, BoundaryConditions):
            if bc.dim != dim:
                raise ValueError(f"bc is for a {bc.dim}-dimensional grid, the grid has {dim} axes")
            return bc
        if isinstance(bc, Mapping):
            return cls(bc, dim=dim)
        if isinstance(bc, str):
            return cls({}, dim=dim, default=_kind(bc, ""))
        if not isinstance(bc, (list, tuple)):
            raise TypeError(f"bc must be a kind, a sequence per axis, a dict by face or BoundaryConditions, got {bc!r}")
        if len(bc) != dim:
            raise ValueError(f"bc has {len(bc)} entries for a {dim}-dimensional grid")
        faces = {}
        for axis, item in enumerate(bc):
            pair = (item, item) if isinstance(item, str) else tuple(item) if isinstance(item, (list, tuple)) else ()
            if len(pair) != 2 or not all(isinstance(k, str) for k in pair):
                raise ValueError(f"bc entry for axis {axis} must be a kind or a (low, high) pair of kinds, got {item!r}")
            faces[f"{_AXES[axis]}-"] = _kind(pair[0], "")
            faces[f"{_AXES[axis]}+"] = _kind(pair[1], "")
        return cls(faces, dim=dim)

    def with_values(self, value: Any) -> BoundaryConditions:
        """The same kinds with ``value`` on every non-periodic face.

        Examples
        --------
        >>> from solvers import BoundaryConditions
        >>> BoundaryConditions.dirichlet(1).with_values(2.0).value("x+")
        2.0
        """
        return BoundaryConditions({name: kind if kind == "periodic" else (kind, value)
                                   for name, (kind, _) in zip(_face_names(self.dim), self._faces)}, dim=self.dim)

    # -- queries ---------------------------------------------------------------------------
    def _index(self, face: str | tuple[int, int]) -> int:
        if isinstance(face, tuple):
            axis, side = face
            if axis not in range(self.dim) or side not in (0, 1):
                raise ValueError(f"face (axis, side) needs axis in 0..{self.dim - 1} and side 0 or 1, got {face}")
            return 2 * axis + side
        names = _face_names(self.dim)
        if face not in names:
            raise ValueError(f"unknown face {face!r}; the faces are {list(names)}")
        return names.index(face)

    def kind(self, face: str | tuple[int, int]) -> str:
        """The kind on ``face`` (a name like ``"x-"`` or an ``(axis, side)`` pair, side 0 low / 1 high)."""
        return self._faces[self._index(face)][0]

    def value(self, face: str | tuple[int, int]) -> Any:
        """The value on ``face`` as given (number, callable or array)."""
        return self._faces[self._index(face)][1]

    @property
    def kinds(self) -> tuple[tuple[str, str], ...]:
        return tuple((self._faces[2 * a][0], self._faces[2 * a + 1][0]) for a in range(self.dim))

    @property
    def is_periodic(self) -> tuple[bool, ...]:
        return tuple(low == "periodic" for low, _ in self.kinds)

    @property
    def singular(self) -> bool:
        return all(kind != "dirichlet" for kind, _ in self._faces)

    @property
    def has_values(self) -> bool:
        """Whether any face has a value other than 0."""
        return any(not _same_value(value, 0.0) for _, value in self._faces)

    def per_axis(self) -> tuple:
        """The kinds per axis, a str where both faces agree and a ``(low, high)`` pair otherwise."""
        return tuple(low if low == high else (low, high) for low, high in self.kinds)

    def face_values(self, grid: Any, face: str | tuple[int, int], *, backend: str = "numpy") -> Any:
        """The value on ``face`` of ``grid`` as a float64 array of the face shape (``grid.shape`` with
        the face's axis set to 1); a callable is evaluated on :meth:`solvers.Grid.face_centers`."""
        from sciml.backend import namespace_for, to_backend

        index = self._index(face)
        axis, side = divmod(index, 2)
        kind, value = self._faces[index]
        xp = namespace_for(backend)
        face_shape = list(grid.shape)
        face_shape[axis] = 1
        if callable(value):
            value = value(*grid.face_centers(axis, side, backend=backend))
        given = tuple(getattr(value, "shape", ()))
        if hasattr(value, "shape"):
            value = to_backend(value, backend)
            if value.ndim == grid.dim - 1:
                value = xp.expand_dims(value, axis=axis)
        try:
            return xp.broadcast_to(xp.asarray(value, dtype=xp.float64), tuple(face_shape))
        except (ValueError, RuntimeError) as error:
            raise ValueError(f"the value on face {_face_names(self.dim)[index]!r} has shape "
                             f"{given}; expected the face shape {tuple(face_shape)}") from error

    # -- protocol --------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"BoundaryConditions is immutable (cannot set {name!r}): build a new one")

    __delattr__ = __setattr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BoundaryConditions):
            return NotImplemented
        return self.dim == other.dim and all(k == l and _same_value(v, w) for (k, v), (l, w) in
                                             zip(self._faces, other._faces))

    def __hash__(self) -> int:
        return hash((self.dim, self.kinds))

    def __reduce__(self):
        return (BoundaryConditions, (dict(zip(_face_names(self.dim), self._faces)),), None)

    def __repr__(self) -> str:
        items = ", ".join(f"{name!r}: {kind!r}" if _same_value(value, 0.0) else f"{name!r}: ({kind!r}, {value!r})"
                          for name, (kind, value) in zip(_face_names(self.dim), self._faces))
        return f"BoundaryConditions({{{items}}})"


