"""MGTFNO: patching round trip, sizes, bad input, normalisation, save/load, training."""

import numpy as np
import pytest
import torch

from sciml.operators import MGTFNO
from sciml.models import load, save
from sciml.train import fit, relative_l2_loss


@pytest.mark.parametrize("levels,padding,n", [(1, 0.0, 64), (1, 1 / 16, 64), (2, 1 / 16, 64), (2, 1 / 8, 32),
                                             (3, 1 / 32, 128), (1, 0.25, 8)])
def test_patch_then_unpatch_is_the_identity(levels, padding, n):
    model = MGTFNO(4, 3, 1, 8, levels=levels, padding_fraction=padding, seed=0)
    x = torch.randn(2, 3, n, n, dtype=torch.float64)
    patches, _ = model.patching.patch(x, None)
    side = n // 2**levels + 2 * round(n * padding)
    assert patches.shape == (2 * 4**levels, 3 * (levels + 1), side, side)
    stitched, _ = model.patching.unpatch(patches, None, evaluation=True)
    assert torch.equal(stitched[:, :3], x)  # bit for bit
    # the first coarse view of each patch is the 2x-subsampled field around it (circular)
    coarse = patches[:, 3:6]
    assert torch.isin(coarse[0, 0, side // 2, side // 2], x[0, 0, ::2, ::2])


def test_forward_shapes_levels_and_zero_shot_resolution():
    for levels in (0, 1, 2):
        model = MGTFNO(6, 2, 3, 8, levels=levels, padding_fraction=1 / 16 if levels else 0.0, seed=1)
        assert model(torch.randn(2, 2, 32, 32)).shape == (2, 3, 32, 32)
        assert model(torch.randn(1, 2, 64, 64)).shape == (1, 3, 64, 64)
    assert MGTFNO(6, 1, 1, 8).input_compression(64) == 1.0
    assert MGTFNO(6, 1, 1, 8, levels=1, padding_fraction=1 / 16).input_compression(64) == pytest.approx(64**2 / 40**2)


def test_parameter_counts_and_compression():
    from neuralop.utils import count_model_params

    dense = MGTFNO(8, 1, 1, 16, factorization="dense", seed=0)
    assert dense.compression_ratio == pytest.approx(1.0)
    assert dense.n_parameters == count_model_params(dense)
    for factorization in ("tucker", "cp", "tt"):
        model = MGTFNO(8, 1, 1, 16, factorization=factorization, rank=0.05, seed=0)
        assert model.n_parameters == count_model_params(model)
        assert model.compression_ratio == pytest.approx(dense.n_parameters / model.n_parameters)
        assert model.compression_ratio > 5
        assert model(torch.randn(1, 1, 16, 16)).shape == (1, 1, 16, 16)


def test_seed_makes_weights_reproducible_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b = MGTFNO(4, 1, 1, 8, seed=3), MGTFNO(4, 1, 1, 8, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    c = MGTFNO(4, 1, 1, 8, seed=4)
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_bad_input_raises_clear_errors():
    model = MGTFNO(4, 2, 1, 8, levels=2, padding_fraction=1 / 16)
    with pytest.raises(ValueError, match=r"expects \[B, 2, n, n\]"):
        model(torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match="not divisible by 2\\^levels = 4"):
        model(torch.randn(1, 2, 30, 30))
    with pytest.raises(ValueError, match="NaN"):
        model(torch.full((1, 2, 32, 32), float("nan")))
    with pytest.raises(ValueError, match="too small for 2 multigrid levels"):
        model(torch.randn(1, 2, 16, 16))
    with pytest.raises(ValueError, match="square"):
        model(torch.randn(1, 2, 32, 16))
    with pytest.raises(ValueError, match="factorization"):
        MGTFNO(4, 1, 1, 8, factorization="svd")
    with pytest.raises(ValueError, match="padding_fraction"):
        MGTFNO(4, 1, 1, 8, levels=1, padding_fraction=0.6)
    with pytest.raises(ValueError, match="NaN"):
        from sciml.data import FieldData

        FieldData(np.full((2, 1, 4, 4), np.nan), np.zeros((2, 1, 4, 4)))


def test_relative_l2_loss_matches_neuraloperator():
    from neuralop.losses import LpLoss

    x, y = torch.randn(5, 1, 16, 16), torch.randn(5, 1, 16, 16)  # one channel: LpLoss averages per channel
    reference = LpLoss(d=2, p=2, reduction="mean")
    assert float(relative_l2_loss(x, y)) == pytest.approx(float(reference(x, y)), rel=1e-5)


@pytest.fixture(scope="module")
def small_darcy():
    from sciml.data import darcy

    return darcy(64, 16, 32, seed=2, cache=False)


def test_training_on_darcy_reduces_the_error_and_save_load_round_trip(tmp_path, small_darcy):
    model = MGTFNO(8, 1, 1, 16, levels=1, padding_fraction=1 / 16, rank=0.2, seed=0)
    history = fit(model, small_darcy, epochs=12, batch_size=8, lr=5e-3, schedule=("cosine",), loss="relative_l2",
                  eval_every=8, progress=False)
    assert history.test_error[-1] < 0.5 * history.test_error[0], history.test_error
    assert model.y_mean.shape == (1, 1, 1, 1) and float(model.x_std) > 1.0  # per-channel statistics were stored
    path = tmp_path / "mgtfno.safetensors"
    save(model, path)
    again = load(path)
    x = torch.as_tensor(small_darcy.test.inputs, dtype=torch.float32)
    assert torch.equal(model(x), again(x))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a valid model file"):
        load(path)


def test_fit_restores_the_input_checks_when_training_fails():
    model = MGTFNO(4, 1, 1, 8, seed=0)
    x, y = torch.randn(4, 1, 8, 8), torch.randn(4, 1, 8, 8)

    def failing(prediction, target):
        raise RuntimeError("loss failed")

    with pytest.raises(RuntimeError, match="loss failed"):
        fit(model, (x, y), steps=2, loss=failing, progress=False)
    assert model.check_inputs is True
    with pytest.raises(ValueError, match="NaN"):
        model(torch.full((1, 1, 8, 8), float("nan")))
