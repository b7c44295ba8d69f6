"""The tensor formats' contribution to the validation report (entry point ``validation.checks``).

Integrals of the Chebyshev–Tucker test functions on ``[-1, 1]^3`` against their exact
values, the Gaussian-charge Newton potential of :mod:`validation.exact` reproduced,
``sin(x + 2y + 3z)`` recovered with Tucker rank (2, 2, 2), and the long-range potential of
point charges against the erf split of :class:`validation.exact.PointChargePotential`.
"""

from __future__ import annotations

import math

from sciml.backend import array_namespace, namespace_for, to_numpy
from validation import exact
from validation.checks import CheckOutcome, CheckRegistry

from .chebyshev_tucker import ChebyshevTucker
from .potentials import RangeSeparatedPotential

__all__ = ["INTEGRALS", "register"]

CUBE = ((-1.0, 1.0),) * 3


def _runge(x, y, z):
    return 1.0 / (1.0 + x * x + y * y + z * z)


def _gaussian(x, y, z):
    return array_namespace(x, y, z).exp(-25.0 * (x * x + y * y + z * z))


def _cosine(x, y, z):
    return array_namespace(x, y, z).cos(math.pi + 5.0 * (x + y + z))


def _product(x, y, z):
    return 1.0 / ((0.04 + x * x) * (0.04 + y * y) * (0.04 + z * z))


def _oblique(x, y, z):
    return 1.0 / (16.0 + 5.0 * (x + y + z))


#: name -> (function, exact integral over [-1, 1]^3)
INTEGRALS = {
    "runge": (_runge, 4.28685406230184188268),
    "gaussian": (_gaussian, (math.sqrt(math.pi) * math.erf(5.0) / 5.0) ** 3),
    "cosine": (_cosine, -((2.0 * math.sin(5.0) / 5.0) ** 3)),
    "product": (_product, (10.0 * math.atan(5.0)) ** 3),
    "oblique": (_oblique, 0.57037800971178),
}


def _integral_check(name: str):
    f, value = INTEGRALS[name]

    def run(backend: str) -> CheckOutcome:
        ct = ChebyshevTucker.from_function(f, CUBE, tol=1e-14, backend=backend)
        error = abs(ct.integral() - value) / abs(value)
        tolerance = 1e-13 if name != "oblique" else 1e-12  # its reference value has 14 digits
        return CheckOutcome(error=error, tolerance=tolerance, measure="relative error of the integral",
                            details=f"tol 1e-14: degrees {ct.degrees}, ranks {ct.ranks}")

    return run


def _gaussian_charge(backend: str) -> CheckOutcome:
    xp = namespace_for(backend)
    charge = exact.GaussianChargePotential(charge=1.0, width=0.3, center=(0.1, -0.2, 0.15))
    ct = ChebyshevTucker.from_function(charge.solution, CUBE, tol=1e-10, backend=backend)
    import numpy as np

    points = xp.asarray(np.random.default_rng(7).uniform(-1.0, 1.0, (4000, 3)))
    reference = charge.solution(points[:, 0], points[:, 1], points[:, 2])
    error = float(xp.max(xp.abs(ct(points) - reference)) / xp.max(xp.abs(reference)))
    x = xp.linspace(-1.0, 1.0, 201, dtype=xp.float64)
    mid = xp.asarray([0.15])
    profile = {"x": to_numpy(x).tolist(),
               "approx": to_numpy(ct.on_grid(x, xp.asarray([-0.2]), mid, full=True)[:, 0, 0]).tolist(),
               "exact": to_numpy(charge.solution(x, -0.2 + 0.0 * x, 0.15 + 0.0 * x)).tolist(),
               "xlabel": "x (y = -0.2, z = 0.15)"}
    return CheckOutcome(error=error, tolerance=1e-9, measure="max relative error at 4000 points", profile=profile,
                        details=f"erf(r/s)/r, s = 0.3, tol 1e-10: degrees {ct.degrees}, ranks {ct.ranks}")


def _sine_rank(backend: str) -> CheckOutcome:
    xp = namespace_for(backend)
    ct = ChebyshevTucker.from_function(lambda x, y, z: array_namespace(x).sin(x + 2 * y + 3 * z), CUBE,
                                       tol=1e-12, backend=backend)
    points = xp.asarray([[0.3, -0.7, 0.5], [-1.0, 1.0, 0.2]])
    values = xp.sin(points[:, 0] + 2 * points[:, 1] + 3 * points[:, 2])
    value_error = float(xp.max(xp.abs(ct(points) - values)))
    rank_error = max(abs(r - 2) for r in ct.ranks)
    return CheckOutcome(error=max(value_error, float(rank_error)), tolerance=1e-11,
                        measure="max(|rank - 2|, value error)", details=f"ranks {ct.ranks}, degrees {ct.degrees}")


def _point_charges(backend: str) -> CheckOutcome:
    import numpy as np

    xp = namespace_for(backend)
    rng = np.random.default_rng(3)
    positions = rng.uniform(-0.9, 0.9, (60, 3))
    charges = rng.choice([-1.0, 1.0], 60)
    beta = 4.0
    potential = RangeSeparatedPotential(positions, charges, kernel="erf", beta=beta, degree=96, tol=1e-10,
                                        backend=backend)
    reference = exact.PointChargePotential(positions, charges, split_width=1.0 / beta)
    points = xp.asarray(rng.uniform(-1.0, 1.0, (2000, 3)))
    ref = reference.long_range(points[:, 0], points[:, 1], points[:, 2])
    error = float(xp.max(xp.abs(potential.long_range(points) - ref)) / xp.max(xp.abs(ref)))
    return CheckOutcome(error=error, tolerance=1e-8, measure="max relative error of the long-range part",
                        details=f"60 charges, erf(4r)/r, RHOSVD of CP rank {potential.cp_rank}: "
                                f"ranks {potential.long_range_tucker.ranks}")


def register(registry: CheckRegistry) -> None:
    """Add the tensor-format checks to ``registry``."""
    for name in INTEGRALS:
        registry.check(f"chebyshev-tucker-integral-{name}", component="tensor_formats",
                       description=f"integral of the {name} test function over [-1, 1]^3 at tol 1e-14")(
            _integral_check(name))
    registry.check("chebyshev-tucker-gaussian-charge", component="tensor_formats",
                   description="the Gaussian-charge Newton potential of validation.exact reproduced")(_gaussian_charge)
    registry.check("chebyshev-tucker-sine-rank", component="tensor_formats",
                   description="sin(x + 2y + 3z) recovered with Tucker ranks (2, 2, 2)")(_sine_rank)
    registry.check("potentials-long-range-point-charges", component="tensor_formats",
                   description="long-range potential of 60 charges against the erf split of validation.exact")(
        _point_charges)
