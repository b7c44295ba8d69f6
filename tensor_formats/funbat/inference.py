"""FunBaT's conditional-EP sweeps as one object, so that restarts can run side by side and the
best can be continued.

Per mode, the damped Gaussian messages of all entries that share a coordinate are summed into
one site, and a Kalman filter / RTS smoother runs over that mode's sorted coordinates; the core
gets a Gaussian update (with a Gaussian prior, unlike the reference code; an ARD prior when
components are pruned), the noise precision a Gamma update.  ``z = u¹ ⊗ ... ⊗ uᴷ`` with mode 1
slowest, matching ``W`` flattened in C order, in every message and prediction.
"""

from __future__ import annotations

import math
from typing import Any

from sciml.backend import device

from . import ard
from ._moments import SegmentSum, khatri_rao_rows, kron_form, kron_sum
from .evidence import log_evidence, site_expectation
from .hyperparameters import best_candidate
from .kalman import StateSpacePosterior, smooth
from .state_space import MaternStateSpace

__all__ = ["Sweeps", "hadamard", "moments", "predict_moments"]

#: Initial latent covariance as a fraction of the prior variance: the prior variance itself
#: makes the first sweep shrink every latent to zero (the W -> 0 collapse), a small one does not.
_INITIAL_COV_FRACTION = 0.3


def hadamard(arrays: list[Any]):
    """Elementwise product of a list of arrays."""
    out = arrays[0]
    for a in arrays[1:]:
        out = out * a
    return out


def moments(mean, cov):
    """Mean and second moment ``Σ + m mᵀ`` of the latent vectors, per entry."""
    return mean, cov + mean[:, :, None] * mean[:, None, :]


def predict_moments(xp, core: str, core_mean, core_cov, m, s, zbar=None):
    """Mean and second moment of ``f = vec(W)ᵀ z`` given per-mode moments (standardised units).

    ``zbar`` (the row-wise Kronecker product of ``m``) is reused when the caller has it.
    """
    if core == "cp":
        mean = xp.sum(hadamard(m), axis=1)
        second = xp.sum(xp.reshape(hadamard(s), (s[0].shape[0], -1)), axis=1)
        return mean, second
    mean = (khatri_rao_rows(m) if zbar is None else zbar) @ core_mean
    second = kron_form(s, core_mean[:, None] * core_mean[None, :] + core_cov)
    return mean, second


class Sweeps:
    """The state of one FunBaT fit (one initialisation): messages, posteriors, core and noise.

    ``xp``, standardised ``target`` (N,), per-mode sorted coordinates and entry indices come from
    the caller; ``state_space`` is the list of per-mode :class:`MaternStateSpace` (replaced when
    hyperparameters are selected), ``rng`` a numpy generator for the initialisation.
    """

    def __init__(self, xp, target, coordinates, index, state_space: list[MaternStateSpace], ranks, *, core: str,
                 damping: dict, core_prior_variance: float, noise_prior, rng, ard_prior: bool = False):
        self.xp, self.target, self.coordinates, self.index = xp, target, coordinates, index
        self.segments = [SegmentSum(i, c.shape[0]) for i, c in zip(index, coordinates)]
        self.state_space, self.ranks = list(state_space), tuple(ranks)
        self.core, self.damping, self.noise_prior = core, damping, noise_prior
        self.core_prior_variance = core_prior_variance
        dtype, dev = target.dtype, device(target)
        self.dtype, self.dev = dtype, dev
        k = len(coordinates)
        self.means = [xp.asarray(rng.uniform(0.0, 1.0, (c.shape[0], r)), dtype=dtype, device=dev)
                      for c, r in zip(coordinates, self.ranks)]
        self.covs = [_INITIAL_COV_FRACTION * ss.variance * xp.broadcast_to(xp.eye(r, dtype=dtype, device=dev),
                                                                          (c.shape[0], r, r))
                     for ss, c, r in zip(self.state_space, coordinates, self.ranks)]
        self.precision = [xp.zeros((c.shape[0], r, r), dtype=dtype, device=dev) for c, r in zip(coordinates, self.ranks)]
        self.shift = [xp.zeros((c.shape[0], r), dtype=dtype, device=dev) for c, r in zip(coordinates, self.ranks)]
        p = math.prod(self.ranks)
        self.core_mean = self.core_cov = self.core_precision = self.core_shift = None
        if core == "tucker":
            self.core_mean = xp.asarray(rng.standard_normal(p), dtype=dtype, device=dev)
            self.core_cov = xp.zeros((p, p), dtype=dtype, device=dev)
            self.core_precision = xp.zeros((p, p), dtype=dtype, device=dev)
            self.core_shift = xp.zeros((p,), dtype=dtype, device=dev)
        # ARD: prior precision of W[i] = Π_k λ_k[i_k]; all ones is the plain N(0, v I) prior.
        self.ard = [[1.0] * r for r in self.ranks] if ard_prior else None
        self.noise_precision = 1.0
        self.noise_rate = 0.0
        self.sweeps_done = 0
        self.posteriors: list[StateSpacePosterior] = [None] * k
        self.m, self.s = map(list, zip(*(moments(xp.take(self.means[j], index[j], axis=0),
                                                 xp.take(self.covs[j], index[j], axis=0)) for j in range(k))))
        self.squared = None
        self.train_rmse = math.inf

    # -- one sweep -----------------------------------------------------------------------
    def sweep(self, *, select: dict | None = None) -> None:
        """One EP sweep over every mode, the core and the noise.

        ``select`` (optional) chooses each mode's hyperparameters by the evidence of its new
        sites just before it is smoothed: ``{"kernels": [...], "lengthscale_factors": [...],
        "variance_factors": [...], "fixed_lengthscale": [...], "fixed_variance": [...]}``.
        """
        xp = self.xp
        k = len(self.coordinates)
        # Damping mixes a new message with the previous one; the first sweep has none yet.
        rho = {key: (value if self.sweeps_done > 0 else 0.0) for key, value in self.damping.items()}
        tau = self.noise_precision
        target = self.target
        for mode in range(k):
            others = [j for j in range(k) if j != mode]
            a_n, big_a = self._mode_messages(mode, [self.m[j] for j in others], [self.s[j] for j in others])
            new_precision = self.segments[mode](tau * big_a)
            new_shift = self.segments[mode](tau * target[:, None] * a_n)
            self.precision[mode] = rho["latent"] * self.precision[mode] + (1.0 - rho["latent"]) * new_precision
            self.shift[mode] = rho["latent"] * self.shift[mode] + (1.0 - rho["latent"]) * new_shift
            if select is not None:
                self.state_space[mode] = best_candidate(self.state_space[mode], self.coordinates[mode],
                                                        self.precision[mode], self.shift[mode], mode=mode, **select)
            post = smooth(self.state_space[mode], self.coordinates[mode], self.precision[mode], self.shift[mode])
            self.posteriors[mode] = post
            self.means[mode], self.covs[mode] = post.marginals()
            # Only this mode's latents changed: refresh its moments at the entries.
            self.m[mode], self.s[mode] = moments(xp.take(self.means[mode], self.index[mode], axis=0),
                                                 xp.take(self.covs[mode], self.index[mode], axis=0))
        zbar = None
        if self.core == "tucker":
            p = math.prod(self.ranks)
            zbar = khatri_rao_rows(self.m)
            self.core_precision = rho["core"] * self.core_precision + (1.0 - rho["core"]) * tau * kron_sum(self.s)
            self.core_shift = rho["core"] * self.core_shift + (1.0 - rho["core"]) * tau * (target @ zbar)
            if self.ard is None:
                prior = xp.eye(p, dtype=self.dtype, device=self.dev) / self.core_prior_variance
            else:
                prior = self._prior_precision()[:, None] * xp.eye(p, dtype=self.dtype, device=self.dev)
            self.core_cov = xp.linalg.inv(self.core_precision + prior)
            self.core_cov = 0.5 * (self.core_cov + self.core_cov.T)
            self.core_mean = self.core_cov @ self.core_shift
            if self.ard is not None:
                self.ard = ard.update_precisions(xp, self.core_mean, self.core_cov, self.ard,
                                                 self.core_prior_variance)
        mean, second = predict_moments(xp, self.core, self.core_mean, self.core_cov, self.m, self.s, zbar)
        self.squared = target * target - 2.0 * target * mean + second
        a0, b0 = self.noise_prior
        n = target.shape[0]
        self.noise_rate = rho["noise"] * self.noise_rate + (1.0 - rho["noise"]) * 0.5 * float(xp.sum(self.squared))
        self.noise_precision = (a0 + 0.5 * n) / (b0 + self.noise_rate)
        self.train_rmse = math.sqrt(float(xp.mean((mean - target) ** 2)))
        self.sweeps_done += 1

    def _prior_precision(self):
        xp = self.xp
        vectors = [xp.asarray(lam, dtype=self.dtype, device=self.dev) for lam in self.ard]
        return xp.reshape(khatri_rao_rows([v[None, :] for v in vectors]), (-1,)) / self.core_prior_variance

    def _mode_messages(self, mode, m_others, s_others):
        """Per-entry message moments ``a_n`` (N, R_k) and ``A_n`` (N, R_k, R_k) for mode ``mode``."""
        xp = self.xp
        if self.core == "cp":
            return hadamard(m_others), hadamard(s_others)
        r_k = self.ranks[mode]
        w = xp.reshape(self.core_mean, self.ranks)
        w_k = xp.reshape(xp.moveaxis(w, mode, 0), (r_k, -1))  # W_(k), other modes in increasing order
        a_n = khatri_rao_rows(m_others) @ w_k.T
        n = m_others[0].shape[0]
        # A_n = W_(k) (⊗_j S_j[n]) W_(k)ᵀ, contracted one mode at a time.
        t = xp.broadcast_to(w_k[None, ...], (n,) + tuple(w_k.shape))
        rest_ranks = [sj.shape[1] for sj in s_others]
        t = xp.reshape(t, (n, r_k) + tuple(rest_ranks))
        for j, sj in enumerate(s_others):
            axis = 2 + j
            moved = xp.moveaxis(t, axis, -1)
            shape = moved.shape
            moved = xp.reshape(moved, (n, -1, shape[-1])) @ sj  # S_j symmetric
            t = xp.moveaxis(xp.reshape(moved, shape), -1, axis)
        big_a = xp.reshape(t, (n, r_k, -1)) @ w_k.T
        return a_n, 0.5 * (big_a + xp.matrix_transpose(big_a))

    # -- evidence lower bound --------------------------------------------------------------
    def elbo(self) -> float:
        """Evidence lower bound of the factorised posterior (standardised units, noise as a point).

        ``Σ_n E_q[log N(y_n | f_n, τ⁻¹)] - Σ_k KL(q(Uᵏ) ‖ p(Uᵏ)) - KL(q(W) ‖ p(W))``; each mode's
        KL comes from its sites and the Kalman-filter evidence (:mod:`.evidence`).
        """
        xp = self.xp
        tau = self.noise_precision
        n = self.target.shape[0]
        value = -0.5 * n * math.log(2.0 * math.pi / tau) - 0.5 * tau * float(xp.sum(self.squared))
        for mode, ss in enumerate(self.state_space):
            z = log_evidence(ss.kernel, [ss.lengthscale], [ss.variance], self.coordinates[mode],
                             self.precision[mode], self.shift[mode])
            value -= site_expectation(self.precision[mode], self.shift[mode], self.means[mode], self.covs[mode]) \
                - float(z[0])
        if self.core == "tucker":
            p = math.prod(self.ranks)
            if self.ard is None:
                prior = xp.ones((p,), dtype=self.dtype, device=self.dev) / self.core_prior_variance
            else:
                prior = self._prior_precision()
            _, logdet = xp.linalg.slogdet(self.core_cov)
            kl = 0.5 * (float(xp.sum(prior * xp.linalg.diagonal(self.core_cov)))
                        + float(xp.sum(prior * self.core_mean ** 2)) - p - float(xp.sum(xp.log(prior)))
                        - float(logdet))
            value -= kl
        return value

    # -- pruning ----------------------------------------------------------------------------
    def prune(self, threshold: float) -> bool:
        """Drop the components whose share of the core's energy fell below ``threshold``; True if any."""
        if self.core != "tucker":
            return False
        keep = ard.relevant_components(self.xp, self.core_mean, self.core_cov, self.ranks, threshold)
        if all(len(kp) == r for kp, r in zip(keep, self.ranks)):
            return False
        xp = self.xp
        old = self.ranks
        for mode, kp in enumerate(keep):
            if len(kp) == old[mode]:
                continue
            idx = xp.asarray(kp, device=self.dev)
            self.means[mode] = xp.take(self.means[mode], idx, axis=1)
            self.covs[mode] = xp.take(xp.take(self.covs[mode], idx, axis=1), idx, axis=2)
            self.precision[mode] = xp.take(xp.take(self.precision[mode], idx, axis=1), idx, axis=2)
            self.shift[mode] = xp.take(self.shift[mode], idx, axis=1)
            self.m[mode] = xp.take(self.m[mode], idx, axis=1)
            self.s[mode] = xp.take(xp.take(self.s[mode], idx, axis=1), idx, axis=2)
            if self.ard is not None:
                self.ard[mode] = [self.ard[mode][i] for i in kp]
        flat = xp.asarray(ard.kept_core_indices(old, keep), device=self.dev)
        self.core_mean = xp.take(self.core_mean, flat)
        self.core_shift = xp.take(self.core_shift, flat)
        for name in ("core_cov", "core_precision"):
            setattr(self, name, xp.take(xp.take(getattr(self, name), flat, axis=0), flat, axis=1))
        self.ranks = tuple(len(kp) for kp in keep)
        return True
