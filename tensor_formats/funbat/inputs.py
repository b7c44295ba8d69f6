"""Checks of FunBaT's constructor arguments and data, with errors that name what is wrong.

Following scikit-learn, the constructor stores its arguments as given and :func:`check_params`
validates them when ``fit`` runs.
"""

from __future__ import annotations

import math
from typing import Any

from sciml.backend import array_namespace

from .state_space import KERNELS

__all__ = ["ExtrapolationWarning", "NotFittedError", "check_coords", "check_params", "check_targets", "mode_supports"]

_DEFAULT_DAMPING = {"tucker": {"latent": 0.5, "noise": 0.6, "core": 0.9},
                    "cp": {"latent": 0.3, "noise": 0.8, "core": 0.0}}
_CALIBRATION_FRACTION = 0.2


class ExtrapolationWarning(UserWarning):
    """Prediction at coordinates outside the range seen in training (the std grows there).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from tensor_formats.funbat import ExtrapolationWarning, FunBaT
    >>> x = np.random.default_rng(0).uniform(0, 1, (100, 2))
    >>> model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, n_iter=5).fit(x, x.sum(axis=1))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = model.predict(np.array([[2.0, 0.5]]))           # mode 0 was seen on [0, 1] only
    >>> any(w.category is ExtrapolationWarning for w in caught)
    True
    """


class NotFittedError(RuntimeError, ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit`` (also a ``ValueError`` and an
    ``AttributeError``, as scikit-learn's own).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.funbat import FunBaT, NotFittedError
    >>> try:
    ...     FunBaT(2).predict(np.zeros((1, 3)))
    ... except NotFittedError as error:
    ...     print(type(error).__name__)
    NotFittedError
    """


def _positive_or_auto(name: str, value, k: int) -> list:
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(f"{name} must be a positive number, a sequence of them or 'auto', got {value!r}")
        return [None] * k
    values = [value] * k if isinstance(value, (int, float)) else list(value)
    if len(values) != k:
        raise ValueError(f"{name} has {len(values)} entries but the data has {k} modes")
    if not all(isinstance(v, (int, float)) and math.isfinite(float(v)) and float(v) > 0 for v in values):
        raise ValueError(f"{name} must be positive, got {value}")
    return [float(v) for v in values]


def check_params(model, k: int) -> dict:
    """Validate ``model``'s constructor arguments for data with ``k`` modes; returns the
    normalised configuration (per-mode lists, ``None`` where a value is automatic).

    Examples
    --------
    >>> from tensor_formats import FunBaT
    >>> check_params(FunBaT(2, kernel="matern12", lengthscale=0.1), 3)["lengthscales"]
    [0.1, 0.1, 0.1]
    """
    core = model.core
    if core not in ("tucker", "cp"):
        raise ValueError(f"core must be 'tucker' or 'cp', got {core!r}")
    kernel = model.kernel
    per_mode = [kernel] * k if isinstance(kernel, str) else list(kernel)
    if len(per_mode) != k:
        raise ValueError(f"kernel has {len(per_mode)} entries but the data has {k} modes")
    if kernel != "auto" and not all(name in KERNELS for name in per_mode):
        raise ValueError(f"kernel must be 'auto', one of {sorted(KERNELS)} or one of those per mode, got {kernel!r}")
    rank = model.rank
    ranks = None
    if isinstance(rank, str):
        if rank != "auto":
            raise ValueError(f"rank must be a positive int, a sequence of them or 'auto', got {rank!r}")
        if core == "cp":
            raise ValueError("rank='auto' prunes the Tucker core; the CP model needs an int rank")
    else:
        ranks = (rank,) if isinstance(rank, int) else tuple(rank)
        if not ranks or not all(isinstance(r, int) and r >= 1 for r in ranks):
            raise ValueError(f"ranks must be ints >= 1, got {rank}")
        if core == "cp" and len(set(ranks)) != 1:
            raise ValueError(f"the CP model needs one rank for all modes, got {ranks}")
    if not isinstance(model.n_iter, int) or model.n_iter < 1:
        raise ValueError(f"n_iter must be an int >= 1, got {model.n_iter}")
    lengthscales = _positive_or_auto("lengthscale", model.lengthscale, k)
    variances = _positive_or_auto("variance", model.variance, k)
    rho = dict(_DEFAULT_DAMPING[core])
    damping = model.damping
    if isinstance(damping, (int, float)):
        rho = {key: float(damping) for key in rho}
    elif isinstance(damping, dict):
        unknown = set(damping) - set(rho)
        if unknown:
            raise ValueError(f"unknown damping keys {sorted(unknown)}; use {sorted(rho)}")
        rho.update({key: float(v) for key, v in damping.items()})
    elif damping is not None:
        raise TypeError(f"damping must be a number or a dict, got {type(damping).__name__}")
    if not all(0.0 <= v < 1.0 for v in rho.values()):
        raise ValueError(f"damping values must lie in [0, 1), got {rho}")
    if not (isinstance(model.core_prior_variance, (int, float)) and model.core_prior_variance > 0):
        raise ValueError(f"core_prior_variance must be > 0, got {model.core_prior_variance}")
    a0, b0 = (float(v) for v in model.noise_prior)
    if not (a0 > 0 and b0 > 0):
        raise ValueError(f"noise_prior must be two positive numbers (a0, b0), got {model.noise_prior}")
    auto = ranks is None or model.kernel == "auto" or None in lengthscales or None in variances
    n_restarts = model.n_restarts if model.n_restarts is not None else (3 if auto else 1)
    if not isinstance(n_restarts, int) or n_restarts < 1:
        raise ValueError(f"n_restarts must be an int >= 1, got {model.n_restarts}")
    calibrate = model.calibrate
    if calibrate is True:
        calibrate = _CALIBRATION_FRACTION
    elif calibrate is False or calibrate is None:
        calibrate = 0.0
    elif not (isinstance(calibrate, float) and 0 < calibrate < 1):
        raise ValueError(f"calibrate must be a bool or a held-out fraction in (0, 1), got {model.calibrate!r}")
    kernels = ["matern32"] * k if kernel == "auto" else per_mode
    return {"ranks": ranks, "kernels": kernels, "lengthscales": lengthscales, "variances": variances,
            "damping": rho, "noise_prior": (a0, b0), "n_iter": model.n_iter, "n_restarts": n_restarts,
            "auto": auto, "calibrate": calibrate}


def _as_array(value: Any) -> Any:
    """``value`` itself if it is an array of a supported namespace, else as a numpy array (lists,
    pandas frames and series, other array-likes)."""
    try:
        array_namespace(value)
    except TypeError:
        import numpy as np

        return np.asarray(value)
    return value


def check_coords(X: Any, name: str = "X"):  # noqa: N803
    """``(xp, X)`` for coordinates of shape (N, K): finite reals (integers are converted to float64)."""
    if hasattr(X, "tocsr"):
        raise TypeError(f"sparse input is not supported: pass {name} as a dense array")
    X = _as_array(X)
    xp = array_namespace(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (N, K), got {tuple(X.shape)}; Reshape your data, e.g. "
                         f"{name}.reshape(-1, 1) for one mode")
    if X.shape[1] == 0:
        raise ValueError(f"0 feature(s) (shape={tuple(X.shape)}) while a minimum of 2 is required (modes).")
    if X.shape[0] == 0:
        raise ValueError(f"0 sample(s) (shape={tuple(X.shape)}) while a minimum of 2 is required.")
    if xp.isdtype(X.dtype, "integral") or xp.isdtype(X.dtype, "bool"):
        X = xp.astype(X, xp.float64)
    if not xp.isdtype(X.dtype, "real floating"):
        raise TypeError(f"{name} must be a real floating array, got {X.dtype}")
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return xp, X


def check_targets(xp, X: Any, y: Any):  # noqa: N803
    """``y`` as a finite real vector of one entry per row of ``X``."""
    if y is None:
        raise ValueError("FunBaT requires y to be passed, but the target y is None")
    y = _as_array(y)
    if array_namespace(y) is not xp:
        y = xp.asarray(y)
    if xp.isdtype(y.dtype, "integral") or xp.isdtype(y.dtype, "bool"):
        y = xp.astype(y, X.dtype)
    if not xp.isdtype(y.dtype, "real floating"):
        raise TypeError(f"y must be a real floating array, got {y.dtype}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},), got {tuple(y.shape)}")
    if not bool(xp.all(xp.isfinite(y))):
        raise ValueError("y contains NaN or infinite values")
    if X.shape[0] < 2:
        raise ValueError(f"need at least 2 entries (samples), got {X.shape[0]} sample(s)")
    return y


def mode_supports(xp, X: Any) -> list[int]:  # noqa: N803
    """Distinct values per mode; a mode with fewer than two, or fewer than two modes, raise ``ValueError``."""
    if X.shape[1] < 2:
        raise ValueError("X has 1 feature(s) (n_features = 1): FunBaT decomposes data indexed by at least 2 modes "
                         "(columns of X); for one input use a GP regressor")
    supports = [int(xp.unique_values(X[:, mode]).shape[0]) for mode in range(X.shape[1])]
    for mode, count in enumerate(supports):
        if count < 2:
            raise ValueError(f"mode {mode} of X has {count} distinct value(s); a latent function needs at least 2 "
                             "(drop the mode, it carries no information)")
    return supports
