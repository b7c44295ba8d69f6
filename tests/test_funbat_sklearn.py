"""scikit-learn's estimator checks on FunBaT, where they apply (issue 20).

A small, fixed configuration keeps each check fast; the checks that cannot apply to a
decomposition of continuous-indexed tensor data are listed with the reason.
"""

import warnings

import pytest

pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from tensor_formats import FunBaT  # noqa: E402
from tensor_formats.funbat import ExtrapolationWarning  # noqa: E402

EXPECTED_FAILURES = {
    "check_estimators_unfitted": "raises tensor_formats.funbat.NotFittedError (a ValueError and AttributeError, "
                                 "like scikit-learn's) without depending on scikit-learn",
    "check_complex_data": "refuses complex X with a TypeError, not scikit-learn's ValueError",
    "check_dtype_object": "object arrays are refused (coordinates must be real numbers)",
    "check_supervised_y_2d": "y must be 1-D; a column vector is refused, not converted with a warning",
    "check_regressors_train": "random features of a generic regression problem are not a low-rank function of "
                              "its coordinates: the fit is below scikit-learn's score threshold",
}


@parametrize_with_checks([FunBaT(1, core="cp", kernel="matern32", lengthscale=1.0, variance=1.0, n_iter=3, seed=0)],
                         expected_failed_checks=lambda estimator: EXPECTED_FAILURES)
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        check(estimator)
