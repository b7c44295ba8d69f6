"""The DCDM networks shipped with the package (``solvers/deep_conjugate/pretrained/<name>.pt``)."""

from __future__ import annotations

__all__ = ["PRETRAINED", "load_pretrained"]

#: Models shipped with the package (``pretrained/<name>.pt`` beside this module) and what they were trained on.
PRETRAINED = {"poisson2d": "64² open-top box", "poisson3d": "32³ open-top box"}


def load_pretrained(name: str, *, device: str = "cpu"):
    """A DCDM network shipped with the package: ``"poisson2d"`` (trained on the 64² open-top box)
    or ``"poisson3d"`` (32³).

    Examples
    --------
    >>> from solvers import load_pretrained
    >>> model = load_pretrained("poisson2d")
    >>> model.dim
    2
    """
    from importlib import resources

    from sciml.train import load

    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}; available: {sorted(PRETRAINED)}")
    path = resources.files(__package__) / "pretrained" / f"{name}.pt"
    with resources.as_file(path) as file:
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing: run benchmarks/train_dcdm.py to train it")
        return load(file, map_location=device)
