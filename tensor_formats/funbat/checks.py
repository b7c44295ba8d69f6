"""FunBaT's contribution to the validation report (entry point ``validation.checks``)."""

from __future__ import annotations

import numpy as np

from sciml.backend import namespace_for, to_numpy
from validation.checks import CheckOutcome, CheckRegistry

from .kalman import smooth
from .model import FunBaT
from .state_space import MaternStateSpace

__all__ = ["register"]


def _kalman_vs_dense(backend: str) -> CheckOutcome:
    """Max difference between the Kalman/RTS marginals and the dense GP posterior."""
    xp = namespace_for(backend)
    rng = np.random.default_rng(0)
    worst = 0.0
    for kernel in ("matern12", "matern32", "matern52"):
        ss = MaternStateSpace(kernel, lengthscale=0.2, variance=1.5)
        c = np.sort(rng.uniform(0.0, 1.0, 30))
        r = 2
        b = rng.standard_normal((30, r, r))
        lam = b @ np.swapaxes(b, 1, 2)
        eta = rng.standard_normal((30, r))
        mean, cov = smooth(ss, xp.asarray(c), xp.asarray(lam), xp.asarray(eta)).marginals()
        k = np.kron(np.array([[ss.covariance(p - q) for q in c] for p in c]), np.eye(r))
        precision = np.zeros((30 * r, 30 * r))
        for i in range(30):
            precision[i * r:(i + 1) * r, i * r:(i + 1) * r] = lam[i]
        # (K⁻¹ + Λ)⁻¹ = K (I + ΛK)⁻¹ avoids inverting the ill-conditioned prior covariance.
        dense_cov = k @ np.linalg.inv(np.eye(30 * r) + precision @ k)
        dense_cov = 0.5 * (dense_cov + dense_cov.T)
        dense_mean = dense_cov @ eta.reshape(-1)
        blocks = np.stack([dense_cov[i * r:(i + 1) * r, i * r:(i + 1) * r] for i in range(30)])
        worst = max(worst, float(np.max(np.abs(to_numpy(mean).reshape(-1) - dense_mean))),
                    float(np.max(np.abs(to_numpy(cov) - blocks))))
    return CheckOutcome(error=worst, tolerance=1e-8, measure="max |Kalman/RTS - dense GP|",
                        details="two channels, 30 coordinates, Matérn 1/2, 3/2, 5/2")


def _separable_recovery(backend: str) -> CheckOutcome:
    """Recover sin(2πx)(1.5 + cos 3y) from 400 noisy samples (σ = 0.01) at unseen coordinates."""
    xp = namespace_for(backend)
    rng = np.random.default_rng(0)

    def truth(p):
        return np.sin(2 * np.pi * p[:, 0]) * (1.5 + np.cos(3 * p[:, 1]))

    x = rng.uniform(0.0, 1.0, (400, 2))
    y = truth(x) + 0.01 * rng.standard_normal(400)
    x_test = rng.uniform(0.0, 1.0, (400, 2))
    model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=30, seed=0)
    model.fit(xp.asarray(x), xp.asarray(y))
    prediction = to_numpy(model.predict(xp.asarray(x_test)))
    rmse = float(np.sqrt(np.mean((prediction - truth(x_test)) ** 2)))
    return CheckOutcome(error=rmse, tolerance=0.01, measure="RMSE against the noise-free truth",
                        details="FunBaT-CP rank 1, Matérn-3/2, ℓ = 0.3, 30 sweeps; noise σ = 0.01")


def register(registry: CheckRegistry) -> None:
    """Add the FunBaT checks to ``registry``."""
    registry.check("funbat-kalman-equals-dense-gp", component="tensor_formats.funbat",
                   description="Kalman filter + RTS smoother equal the dense GP posterior")(_kalman_vs_dense)
    registry.check("funbat-separable-recovery", component="tensor_formats.funbat",
                   description="a separable function recovered from noisy samples at random coordinates")(
        _separable_recovery)
