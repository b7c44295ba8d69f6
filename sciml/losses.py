"""Training losses for :func:`sciml.train.fit`: ``(prediction, target) -> scalar`` on torch tensors of
one shape (checked here too: a ``(N,)`` target against a ``(N, 1)`` prediction would broadcast to
an ``(N, N)`` loss)."""

from __future__ import annotations

from sciml._extras import require

torch = require("torch")

__all__ = ["LOSSES", "h1_loss", "mse_loss", "relative_l2_loss"]


def _check(prediction, target, *, min_ndim: int = 0) -> None:
    for name, t in (("prediction", prediction), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if tuple(prediction.shape) != tuple(target.shape):
        raise ValueError(f"prediction has shape {tuple(prediction.shape)} but target has {tuple(target.shape)}; "
                         "they must match (never broadcast)")
    if prediction.ndim < min_ndim or (min_ndim and prediction.shape[0] == 0):
        raise ValueError(f"the loss needs at least {min_ndim} axes with a non-empty sample axis, "
                         f"got shape {tuple(prediction.shape)}")


def mse_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error.

    Examples
    --------
    >>> import torch
    >>> from sciml.losses import mse_loss
    >>> float(mse_loss(torch.zeros(2, 3), torch.ones(2, 3)))
    1.0
    """
    _check(prediction, target)
    if prediction.numel() == 0:
        raise ValueError("the loss of empty tensors is undefined")
    return torch.mean((prediction - target) ** 2)


def relative_l2_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over samples of ``||pred - target|| / ||target||`` (norms over all but the first axis).

    Examples
    --------
    >>> import torch
    >>> from sciml.losses import relative_l2_loss
    >>> float(relative_l2_loss(torch.tensor([[3.0, 0.0]]), torch.tensor([[4.0, 0.0]])))
    0.25
    """
    _check(prediction, target, min_ndim=1)
    diff = (prediction - target).reshape(prediction.shape[0], -1).norm(dim=1)
    return torch.mean(diff / target.reshape(target.shape[0], -1).norm(dim=1).clamp_min(1e-30))


def h1_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Relative H1 error on uniform grids: values and first differences along the last axes.

    Fields are ``[N, n]`` (1D) or ``[N, C, n, n]`` / ``[N, n, n]`` (2D).

    Examples
    --------
    >>> import torch
    >>> from sciml.losses import h1_loss
    >>> target = torch.sin(torch.linspace(0, 3, 32)).repeat(2, 1)
    >>> float(h1_loss(target, target)), bool(h1_loss(1.1 * target, target) > 0.09)
    (0.0, True)
    """
    _check(prediction, target, min_ndim=2)

    def parts(t):
        grads = [t.reshape(t.shape[0], -1)]
        for axis in range(2 if t.ndim >= 3 else 1):
            d = torch.diff(t, dim=-1 - axis) * t.shape[-1 - axis]
            grads.append(d.reshape(t.shape[0], -1))
        return torch.cat(grads, dim=1)

    p, q = parts(prediction), parts(target)
    return torch.mean((p - q).norm(dim=1) / q.norm(dim=1).clamp_min(1e-30))


#: The losses :func:`sciml.train.fit` accepts by name.
LOSSES = {"mse": mse_loss, "relative_l2": relative_l2_loss, "h1": h1_loss}
