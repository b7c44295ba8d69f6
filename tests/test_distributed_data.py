"""Data generation in a process pool (``workers=``): bit-identical to one process, same cache entry."""

import numpy as np
import pytest

from sciml.data import darcy, navier_stokes


def _arrays(splits):
    return [np.asarray(getattr(getattr(splits, s), f)) for s in ("train", "test") for f in ("inputs", "outputs")]


def _assert_identical(a, b):
    for x, y in zip(_arrays(a), _arrays(b)):
        assert x.shape == y.shape and x.dtype == y.dtype
        assert np.array_equal(x, y)  # bit for bit, not close


def test_darcy_with_two_workers_is_bit_identical():
    one = darcy(5, 2, 12, seed=3, cache=False)
    _assert_identical(darcy(5, 2, 12, seed=3, cache=False, workers=2), one)
    assert float(np.abs(_arrays(one)[1]).max()) > 0  # real solutions, not zeros


def test_navier_stokes_with_two_workers_is_bit_identical():
    options = dict(n_input=2, t_final=3.0, chunk=1, seed=4, cache=False)
    _assert_identical(navier_stokes(2, 1, 16, workers=2, **options), navier_stokes(2, 1, 16, **options))


def test_workers_are_not_part_of_the_cache_key(tmp_path):
    first = darcy(3, 1, 8, seed=1, cache=tmp_path, workers=2)
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    again = darcy(3, 1, 8, seed=1, cache=tmp_path)  # read back, not regenerated
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == files and files
    assert "workers" not in first.params["arguments"]
    _assert_identical(again, first)


@pytest.mark.parametrize("workers", [0, 1.5, True])
def test_bad_workers_are_refused(workers):
    with pytest.raises(ValueError, match="workers"):
        darcy(3, 1, 8, cache=False, workers=workers)
