import numpy as np
import pytest

from helpers import assert_close
from tensor_formats.tucker import TuckerTensor, epsilon_rank, hooi, hosvd, mode_product, rhosvd


def random_tucker(shape, ranks, seed=0, decay=0.0):
    rng = np.random.default_rng(seed)
    core = rng.standard_normal(ranks)
    if decay:
        for k, r in enumerate(ranks):
            shape_k = [1] * len(ranks)
            shape_k[k] = r
            core = core * np.exp(-decay * np.arange(r)).reshape(shape_k)
    factors = [np.linalg.qr(rng.standard_normal((n, r)))[0] for n, r in zip(shape, ranks)]
    return TuckerTensor(core, factors)


def test_hosvd_recovers_an_exact_low_rank_tensor(xp):
    t = random_tucker((8, 9, 10), (2, 3, 4)).full()
    tt = hosvd(xp.asarray(t), tol=1e-12)
    assert tt.ranks == (2, 3, 4)
    assert_close(tt.full(), t, atol=1e-12, xp=xp)


@pytest.mark.parametrize("sequential", [True, False])
@pytest.mark.parametrize("tol", [1e-2, 1e-4, 1e-8])
def test_epsilon_rule_bounds_the_error(sequential, tol):
    t = random_tucker((12, 13, 14), (12, 13, 14), decay=1.5).full()
    tt = hosvd(t, tol=tol, sequential=sequential)
    error = np.linalg.norm(tt.full() - t) / np.linalg.norm(t)
    assert error <= tol
    assert max(tt.ranks) < 14  # something was truncated
    for u in tt.factors:
        np.testing.assert_allclose(u.T @ u, np.eye(u.shape[1]), atol=1e-12)


def test_fixed_rank_and_hooi_compared_with_tensorly():
    import tensorly as tl
    from tensorly.decomposition import tucker

    t = random_tucker((10, 11, 12), (10, 11, 12), seed=3, decay=0.5).full() + 0.05 * np.random.default_rng(4).standard_normal((10, 11, 12))
    rank = (3, 4, 5)
    ours_hosvd = hosvd(t, rank=rank)
    ours = hooi(t, rank, n_iter=50)
    core, factors = tucker(tl.tensor(t), rank=list(rank), init="svd", n_iter_max=200, tol=1e-12)
    theirs = tl.tucker_to_tensor((core, factors))
    e_ours = np.linalg.norm(ours.full() - t)
    e_theirs = np.linalg.norm(theirs - t)
    assert ours.ranks == rank and ours_hosvd.ranks == rank
    assert e_ours <= np.linalg.norm(ours_hosvd.full() - t) + 1e-12  # HOOI never worse than its start
    assert e_ours == pytest.approx(e_theirs, rel=1e-6)


def test_rhosvd_matches_the_full_cp_tensor(xp):
    rng = np.random.default_rng(5)
    a, b, c = rng.standard_normal((7, 4)), rng.standard_normal((8, 4)), rng.standard_normal((9, 4))
    w = np.array([1.0, -2.0, 0.5, 3.0])
    full = np.einsum("r,ir,jr,kr->ijk", w, a, b, c)
    tt = rhosvd([xp.asarray(a), xp.asarray(b), xp.asarray(c)], xp.asarray(w), tol=1e-12)
    assert tt.ranks == (4, 4, 4)
    assert_close(tt.full(), full, atol=1e-11, xp=xp)
    low = rhosvd([a, b, c], w, rank=2)
    assert low.ranks == (2, 2, 2)


def test_mode_product_norm_and_epsilon_rank():
    rng = np.random.default_rng(6)
    t = rng.standard_normal((3, 4, 5))
    m = rng.standard_normal((6, 4))
    np.testing.assert_allclose(mode_product(t, m, 1), np.einsum("ij,ajb->aib", m, t), rtol=1e-13)
    tt = TuckerTensor(rng.standard_normal((2, 3)), [rng.standard_normal((5, 2)), rng.standard_normal((4, 3))])
    assert tt.norm() == pytest.approx(np.linalg.norm(tt.full()), rel=1e-12)
    assert epsilon_rank(np.array([10.0, 1.0, 0.1, 0.01]), 0.2) == 2
    assert epsilon_rank(np.array([1.0, 0.0]), 0.0) == 1


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 axes"):
        hosvd(np.ones(4))
    with pytest.raises(ValueError, match=">= 1"):
        hosvd(np.ones((3, 3)), rank=0)
    with pytest.raises(ValueError, match="entries"):
        hosvd(np.ones((3, 3)), rank=(1, 1, 1))
    with pytest.raises(ValueError, match="columns"):
        rhosvd([np.ones((3, 2)), np.ones((3, 3))])
    with pytest.raises(ValueError, match="factor 0"):
        TuckerTensor(np.ones((2, 2)), [np.ones((3, 3)), np.ones((3, 2))])
