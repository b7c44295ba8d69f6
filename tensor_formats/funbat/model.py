"""FunBaT: functional Bayesian Tucker decomposition of continuous-indexed data, as an estimator.

``y ≈ vec(W)ᵀ (U¹(x_1) ⊗ ... ⊗ Uᴷ(x_K)) + ε`` where each of the ``r_k`` latent functions of
mode ``k`` is a Matérn GP (Fang et al., ICLR 2024), fitted by conditional expectation
propagation (:mod:`.inference`).  By default nothing is tuned by hand: each mode's kernel family,
lengthscale and variance follow the evidence of its sites (:mod:`.hyperparameters`), the rank is
pruned by an ARD prior on the core (:mod:`.ard`), several seeded restarts are compared by their
evidence lower bound and the best is continued.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist
from typing import Any

from sciml.backend import array_namespace, backend_name, namespace_for, to_backend, to_numpy

from .hyperparameters import AUTO_GRID, initial_lengthscale
from .inference import Sweeps, moments, predict_moments
from .kalman import StateSpacePosterior, condition
from .state_space import KERNELS, MaternStateSpace
from .inputs import ExtrapolationWarning, NotFittedError, check_coords, check_params, check_targets, mode_supports

__all__ = ["ExtrapolationWarning", "FunBaT"]

_FORMAT, _FORMAT_VERSION = "sciml.FunBaT", 2
_POSTERIOR_FIELDS = ("coordinates", "filtered_mean", "filtered_cov", "smoothed_mean", "smoothed_cov")
#: Starting rank per mode of ``rank="auto"`` (pruned by the ARD prior during the fit).
AUTO_RANK = 3
#: A component is pruned when its core slice holds less than this share of the core's energy.
PRUNE_THRESHOLD = 1e-3
#: Prediction further outside a mode's training range than this share of its span warns.
EXTRAPOLATION_MARGIN = 0.01


class FunBaT:
    """Functional Bayesian Tucker (or CP) decomposition with state-space GP priors.

    Parameters
    ----------
    rank : int, sequence of int or "auto"
        Latent functions per mode (one int for all modes).  ``"auto"`` starts from
        ``min(3, distinct values)`` per mode and prunes unused components with an ARD prior on
        the core (Tucker only).  ``core="cp"`` needs one int rank.
    core : {"tucker", "cp"}
        Full Tucker core with a Gaussian prior, or the CP model (core fixed to the
        superdiagonal of ones, FunBaT-CP).
    kernel : {"auto", "matern12", "matern32", "matern52"} or sequence of them
        One family for all modes or one per mode; ``"auto"`` picks the family per mode by the
        evidence.
    lengthscale, variance : float, sequence of float or "auto"
        Matérn hyperparameters, per mode or shared; ``"auto"`` follows the evidence during the
        fit (starting from a twentieth of each mode's span, and 1).
    n_iter : int
        EP sweeps of the kept fit.
    n_restarts : int, optional
        Seeded initialisations compared by their evidence lower bound after a warm-up of
        ``max(5, n_iter // 5)`` sweeps; the best continues.  Default 3 when anything is
        ``"auto"``, else 1.
    damping : float or dict, optional
        Damping of the messages, ``{"latent": ρ_U, "noise": ρ_τ, "core": ρ_W}`` or one number
        for all; defaults 0.5 / 0.6 / 0.9 (Tucker) and 0.3 / 0.8 (CP).
    core_prior_variance : float
        Variance of the Gaussian prior on the core entries (standardised targets).
    noise_prior : (a0, b0)
        Gamma prior of the noise precision.
    center : bool
        Targets are always scaled to unit root-mean-square internally (results come back in
        the user's units).  Centring as well is off by default: ``y - mean(y)`` of a
        separable function is no longer separable.
    calibrate : bool or float
        Recalibrate the predictive variance on held-out data: a second fit with the chosen
        hyperparameters on ``1 - f`` of the entries (``f = 0.2``, or the float given) measures
        the factor that brings the held-out coverage of the 95 % interval to 95 %.
    seed : int, optional
        Seed of the random initialisations.
    progress : bool
        A tqdm progress bar over the sweeps.

    Attributes
    ----------
    ranks_ : tuple of int
        The fitted (pruned) ranks.
    hyperparameters_ : list of dict
        Per mode ``{"kernel", "lengthscale", "variance"}`` as fitted.
    variance_scale_ : float
        Factor on the predictive variance (1 without ``calibrate``).
    history_ : dict
        ``"train_rmse"`` (user units) and ``"noise_std"`` per sweep of the kept fit,
        ``"restart_elbo"`` the evidence lower bound of each restart after its warm-up.

    Notes
    -----
    Bad input: NaN or infinite values in ``X`` or ``y`` and a mode with fewer than two distinct
    values raise ``ValueError``; an explicit rank above a mode's number of distinct values
    raises (``"auto"`` caps it).  Repeated coordinates with different targets are repeated
    noisy measurements: the fit averages them and their spread enters the noise.  Constant
    targets are fitted like any others (the prediction is the constant, the noise tiny).
    Prediction outside the training range of a mode issues an :class:`ExtrapolationWarning`;
    the std grows with the distance.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import FunBaT
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, (400, 2))
    >>> y = np.sin(2 * np.pi * x[:, 0]) * np.exp(-x[:, 1]) + 0.01 * rng.standard_normal(400)
    >>> model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, n_iter=30, seed=0).fit(x, y)
    >>> bool(model.history_["train_rmse"][-1] < 0.05)
    True
    >>> low, high = model.interval(x[:3], level=0.95)
    >>> bool(np.all(low < high))
    True
    """

    def __init__(self, rank: int | Sequence[int] | str = "auto", *, core: str = "tucker", kernel: str | Sequence[str] = "auto",
                 lengthscale: float | Sequence[float] | str = "auto", variance: float | Sequence[float] | str = "auto",
                 n_iter: int = 100, n_restarts: int | None = None, damping: float | dict | None = None,
                 core_prior_variance: float = 1.0, noise_prior: tuple[float, float] = (1e-3, 1e-3),
                 center: bool = False, calibrate: bool | float = False, seed: int | None = None,
                 progress: bool = False):
        self.rank, self.core, self.kernel = rank, core, kernel
        self.lengthscale, self.variance = lengthscale, variance
        self.n_iter, self.n_restarts, self.damping = n_iter, n_restarts, damping
        self.core_prior_variance, self.noise_prior = core_prior_variance, noise_prior
        self.center, self.calibrate = center, calibrate
        self.seed, self.progress = seed, progress

    # -- scikit-learn's parameter protocol ---------------------------------------------
    _PARAMS = ("rank", "core", "kernel", "lengthscale", "variance", "n_iter", "n_restarts", "damping",
               "core_prior_variance", "noise_prior", "center", "calibrate", "seed", "progress")

    def get_params(self, deep: bool = True) -> dict:
        """Constructor arguments, as given (scikit-learn's protocol; also what :meth:`save` records)."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params) -> FunBaT:
        """Set constructor arguments (scikit-learn's protocol)."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"unknown parameter {name!r}; FunBaT takes {list(self._PARAMS)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != type(self)().get_params()[k]}
        return "FunBaT(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags, Tags, TargetTags

        return Tags(estimator_type="regressor", target_tags=TargetTags(required=True),
                    regressor_tags=RegressorTags())

    # -- fitting ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> FunBaT:  # noqa: N803 (scikit-learn's names)
        """Fit to entries ``y`` (N,) at continuous coordinates ``X`` (N, K); returns ``self``."""
        import numpy as np

        xp, X = check_coords(X, "X")
        y = check_targets(xp, X, y)
        n, k = X.shape
        config = check_params(self, k)
        supports = mode_supports(xp, X)
        ranks = self._ranks(config, supports)
        self.n_features_in_ = k
        self.y_mean_ = float(xp.mean(y)) if self.center else 0.0
        scale = math.sqrt(float(xp.mean((y - self.y_mean_) ** 2)))
        self.y_scale_ = scale if scale > 0 else 1.0
        target = (y - self.y_mean_) / self.y_scale_

        coordinates, index = [], []
        for mode in range(k):
            values, inverse = xp.unique_inverse(X[:, mode])
            order = xp.argsort(values)
            position = xp.argsort(order)
            coordinates.append(xp.take(values, order))
            index.append(xp.take(position, xp.reshape(inverse, (-1,))))
        self.coordinates_ = coordinates
        spans = [float(c[-1] - c[0]) for c in coordinates]
        start = [MaternStateSpace(kern, lengthscale=ell if ell is not None else initial_lengthscale(c),
                                  variance=var if var is not None else 1.0)
                 for kern, ell, var, c in zip(config["kernels"], config["lengthscales"], config["variances"],
                                              coordinates)]
        select = None
        if config["auto"]:
            select = {"kernels": list(KERNELS) if self.kernel == "auto" else None,
                      "lengthscale_factors": AUTO_GRID["lengthscale_factors"] if self.lengthscale == "auto" else (1.0,),
                      "variance_factors": AUTO_GRID["variance_factors"] if self.variance == "auto" else (1.0,),
                      "lengthscale_bounds": [(1e-4 * s, 10.0 * s) if s > 0 else (1e-6, 1e6) for s in spans]}
        n_restarts = config["n_restarts"]
        rngs = ([np.random.default_rng(self.seed)] if n_restarts == 1
                else [np.random.default_rng(child) for child in np.random.SeedSequence(self.seed).spawn(n_restarts)])

        def make(rng):
            return Sweeps(xp, target, coordinates, index, start, ranks, core=self.core, damping=config["damping"],
                          core_prior_variance=float(self.core_prior_variance), noise_prior=config["noise_prior"],
                          rng=rng, ard_prior=self.rank == "auto")

        n_iter = config["n_iter"]
        warm = n_iter if n_restarts == 1 else min(n_iter, max(5, n_iter // 5))
        bar = self._progress_bar(n_restarts * warm + n_iter - warm)
        histories, elbos, runs = [], [], []
        for rng in rngs:
            run, history = make(rng), {"train_rmse": [], "noise_std": []}
            for _ in range(warm):
                self._one_sweep(run, select, n_iter, history, bar)
            runs.append(run)
            histories.append(history)
            elbos.append(run.elbo() if n_restarts > 1 else math.nan)
        best = int(np.nanargmax(elbos)) if n_restarts > 1 else 0
        run, history = runs[best], histories[best]
        del runs
        if select is not None:  # the family is settled by the warm-up: keep it, refine the values
            select = dict(select, kernels=None)
        for _ in range(n_iter - warm):
            self._one_sweep(run, select, n_iter, history, bar)
        if bar is not None:
            bar.close()
        history["restart_elbo"] = [float(e) for e in elbos] if n_restarts > 1 else []
        self._take(run, history)
        self.variance_scale_ = 1.0
        if self.calibrate:
            from .calibration import variance_scale

            self.variance_scale_ = variance_scale(self, X, y, fraction=config["calibrate"])
        return self

    def _one_sweep(self, run: Sweeps, select, n_iter: int, history: dict, bar) -> None:
        done = run.sweeps_done
        # Hyperparameters: every sixth sweep from the third on during a restart's warm-up (family,
        # lengthscale, variance), every eighth after it (values only), up to 60 % of the fit.
        every = 6 if select is not None and select.get("kernels") else 8
        choose = select is not None and done % every == 2 and done < 0.6 * n_iter
        run.sweep(select=select if choose else None)
        if self.rank == "auto" and done >= 10 and done % 5 == 0 and done < 0.8 * n_iter:
            run.prune(PRUNE_THRESHOLD)
        history["train_rmse"].append(run.train_rmse * self.y_scale_)
        history["noise_std"].append(self.y_scale_ / math.sqrt(run.noise_precision))
        if bar is not None:
            bar.update(1)

    def _progress_bar(self, total: int):
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc="FunBaT", unit="sweep")

    def _ranks(self, config: dict, supports: list[int]) -> tuple[int, ...]:
        k = len(supports)
        if self.rank == "auto":
            return tuple(min(AUTO_RANK, s) for s in supports)
        ranks = config["ranks"] * k if len(config["ranks"]) == 1 else config["ranks"]
        if len(ranks) != k:
            raise ValueError(f"rank has {len(ranks)} entries but the data has {k} modes")
        for mode, (r, s) in enumerate(zip(ranks, supports)):
            if r > s:
                raise ValueError(f"rank {r} on mode {mode} exceeds the {s} distinct values the data have there; "
                                 f"use rank <= {s} or rank='auto'")
        return tuple(ranks)

    def _take(self, run: Sweeps, history: dict) -> None:
        self.ranks_ = run.ranks
        self.state_space_ = list(run.state_space)
        self.posteriors_ = list(run.posteriors)
        self.core_mean_, self.core_cov_ = run.core_mean, run.core_cov
        self.noise_precision_ = run.noise_precision
        self.history_ = history

    # -- prediction ------------------------------------------------------------------
    @property
    def hyperparameters_(self) -> list[dict]:
        self._require_fitted()
        return [{"kernel": ss.kernel, "lengthscale": ss.lengthscale, "variance": ss.variance}
                for ss in self.state_space_]

    def _require_fitted(self):
        if getattr(self, "posteriors_", None) is None:
            raise NotFittedError("this FunBaT model is not fitted yet; call fit(X, y) first")

    def latent(self, mode: int, points: Any):
        """Posterior mean and standard deviation (each (B, r_mode)) of mode ``mode``'s latent
        functions at ``points`` (B,), in the model's standardised units."""
        self._require_fitted()
        if not 0 <= int(mode) < len(self.ranks_):
            raise ValueError(f"mode must be in [0, {len(self.ranks_)}), got {mode}")
        xp = array_namespace(points)
        if points.ndim != 1:
            raise ValueError(f"points must be 1-D, got shape {tuple(points.shape)}")
        if not bool(xp.all(xp.isfinite(points))):
            raise ValueError("points contain NaN or infinite values")
        mean, cov = condition(self.state_space_[mode], self.posteriors_[mode], points)
        std = xp.sqrt(xp.clip(xp.linalg.diagonal(cov), 0.0, None))
        return mean, std

    def predict(self, X: Any, *, return_std: bool = False):  # noqa: N803
        """Predictive mean at ``X`` (B, K), in the user's units; with ``return_std`` also the
        predictive standard deviation (latent, core and noise uncertainty, times
        ``sqrt(variance_scale_)``).  Warns :class:`ExtrapolationWarning` when a coordinate lies
        outside a mode's training range by more than 1 % of its span."""
        self._require_fitted()
        xp, X = check_coords(X, "X")
        k = len(self.ranks_)
        if X.shape[1] != k:
            raise ValueError(f"X has {X.shape[1]} features, but FunBaT is expecting {k} features as input "
                             f"(the modes it was fitted with)")
        outside = []
        for mode in range(k):
            c = self.posteriors_[mode].coordinates
            margin = EXTRAPOLATION_MARGIN * float(c[-1] - c[0])
            if X.shape[0] and (float(xp.min(X[:, mode])) < float(c[0]) - margin
                               or float(xp.max(X[:, mode])) > float(c[-1]) + margin):
                outside.append(mode)
        if outside:
            warnings.warn(f"X lies outside the training range on mode(s) {outside}: the prediction there is "
                          "an extrapolation and its std grows with the distance", ExtrapolationWarning, stacklevel=2)
        m, s = zip(*(moments(*condition(self.state_space_[mode], self.posteriors_[mode], X[:, mode]))
                     for mode in range(k)))
        mean, second = predict_moments(xp, self.core, self.core_mean_, self.core_cov_, list(m), list(s))
        prediction = mean * self.y_scale_ + self.y_mean_
        if not return_std:
            return prediction
        variance = xp.clip(second - mean * mean, 0.0, None) + 1.0 / self.noise_precision_
        return prediction, xp.sqrt(variance * self.variance_scale_) * self.y_scale_

    def interval(self, X: Any, *, level: float = 0.95):  # noqa: N803
        """Lower and upper ends of the central predictive interval of probability ``level``."""
        if not 0 < float(level) < 1:
            raise ValueError(f"level must lie in (0, 1), got {level}")
        mean, std = self.predict(X, return_std=True)
        z = NormalDist().inv_cdf(0.5 + 0.5 * float(level))
        return mean - z * std, mean + z * std

    def score(self, X: Any, y: Any) -> float:  # noqa: N803
        """Coefficient of determination R² of the predictive mean (scikit-learn's regressor score)."""
        self._require_fitted()
        xp, X = check_coords(X, "X")
        if X.shape[1] != len(self.ranks_):
            raise ValueError(f"X has {X.shape[1]} features, but FunBaT is expecting {len(self.ranks_)} features "
                             "as input (the modes it was fitted with)")
        y = check_targets(xp, X, y)
        residual = float(xp.sum((y - self.predict(X)) ** 2))
        total = float(xp.sum((y - xp.mean(y)) ** 2))
        return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)

    # -- files -----------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the fitted model atomically: JSON metadata (parameters, fitted scalars and
        hyperparameters) and plain arrays, no pickle (:func:`sciml.io.write_arrays`)."""
        from sciml.io import write_arrays

        self._require_fitted()
        params = {key: (list(v) if isinstance(v, tuple) else v) for key, v in self.get_params().items()}
        metadata = {"params": params, "ranks": list(self.ranks_), "y_mean": self.y_mean_, "y_scale": self.y_scale_,
                    "noise_precision": self.noise_precision_, "variance_scale": self.variance_scale_,
                    "hyperparameters": self.hyperparameters_, "history": self.history_}
        arrays = {}
        for k, post in enumerate(self.posteriors_):
            for field in _POSTERIOR_FIELDS:
                arrays[f"mode{k}_{field}"] = to_numpy(getattr(post, field))
        if self.core == "tucker":
            arrays["core_mean"] = to_numpy(self.core_mean_)
            arrays["core_cov"] = to_numpy(self.core_cov_)
        write_arrays(path, arrays, format=_FORMAT, version=_FORMAT_VERSION, metadata=metadata)

    @classmethod
    def load(cls, path: str | Path, *, backend: str = "numpy") -> FunBaT:
        """Read a file written by :meth:`save`; never unpickles, a damaged file raises ``ValueError``."""
        from sciml.io import read_arrays

        content = read_arrays(path, format=_FORMAT, max_version=_FORMAT_VERSION)
        files, meta = content.arrays, content.metadata
        namespace_for(backend)  # a clear error if the backend is missing

        def arr(key):
            return to_backend(files[key], backend)

        try:
            if content.version < 2:
                raise ValueError(f"format version {content.version} predates the estimator; refit the model")
            params = dict(meta["params"])
            params["noise_prior"] = tuple(params["noise_prior"])
            model = cls(**params)
            model.ranks_ = tuple(int(r) for r in meta["ranks"])
            k = len(model.ranks_)
            model.state_space_ = [MaternStateSpace(h["kernel"], lengthscale=float(h["lengthscale"]),
                                                   variance=float(h["variance"])) for h in meta["hyperparameters"]]
            model.posteriors_ = [StateSpacePosterior(*(arr(f"mode{j}_{f}") for f in _POSTERIOR_FIELDS),
                                                     model.ranks_[j]) for j in range(k)]
            model.y_mean_, model.y_scale_ = float(meta["y_mean"]), float(meta["y_scale"])
            model.noise_precision_, model.variance_scale_ = float(meta["noise_precision"]), float(meta["variance_scale"])
            model.history_ = meta["history"]
            model.core_mean_ = model.core_cov_ = None
            if model.core == "tucker":
                model.core_mean_, model.core_cov_ = arr("core_mean"), arr("core_cov")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} is not a valid {_FORMAT} file: {exc}") from exc
        model.coordinates_ = [post.coordinates for post in model.posteriors_]
        model.n_features_in_ = k
        return model

    @property
    def backend(self) -> str:
        self._require_fitted()
        return backend_name(self.posteriors_[0].smoothed_mean)
