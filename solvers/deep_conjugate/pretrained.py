"""The DCDM networks shipped with the package (``solvers/deep_conjugate/pretrained/<name>.safetensors``)."""

from __future__ import annotations

from .metadata import PRETRAINED, model_metadata

__all__ = ["PRETRAINED", "load_pretrained"]


def load_pretrained(name: str, *, device: str = "cpu"):
    """A DCDM network shipped with the package: ``"poisson2d"`` (trained on the 64² open-top box)
    or ``"poisson3d"`` (32³).

    The model carries its :class:`~solvers.deep_conjugate.ModelMetadata` as ``model.metadata``
    (what it was trained on); :func:`solvers.dcdm` checks each solve against it and warns
    (:class:`~solvers.deep_conjugate.EnvelopeWarning`) outside that envelope.

    Examples
    --------
    >>> from solvers import load_pretrained
    >>> model = load_pretrained("poisson2d")
    >>> model.dim, model.config["channels"], model.metadata.grid_sizes
    (2, 16, ((64, 64),))
    """
    from importlib import resources

    from sciml.models import load

    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}; available: {sorted(PRETRAINED)}")
    path = resources.files(__package__) / "pretrained" / f"{name}.safetensors"
    with resources.as_file(path) as file:
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing: run benchmarks/train_dcdm.py to train it")
        model = load(file, device=device)
    model.metadata = model_metadata(name)
    return model
