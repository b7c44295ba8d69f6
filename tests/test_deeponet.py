import numpy as np
import pytest
import torch

from sciml.data import antiderivative
from sciml.operators import DeepONet
from sciml.models import load, save
from sciml.train import fit, h1_loss, relative_l2_loss


@pytest.fixture(scope="module")
def small_data():
    return antiderivative(64, 32, m=20, points_per_function=3, n_grid=15, seed=0, cache=False)


def test_shapes_of_both_forms_and_their_agreement():
    torch.manual_seed(0)
    net = DeepONet([20, 16, 16], [1, 16, 16])
    u, y = torch.randn(5, 20), torch.rand(7, 1)
    aligned = net(u, y)
    assert aligned.shape == (5, 7)
    # The unaligned form on the Cartesian pairs gives the same numbers.
    pairs = net.unaligned(u.repeat_interleave(7, dim=0), y.repeat(5, 1))
    torch.testing.assert_close(pairs.reshape(5, 7), aligned)


def test_multi_output_periodic_features_and_cnn_branch():
    net = DeepONet([20, 16, 12], [1, 16, 12], n_outputs=3, periodic_features=[1, 2])
    assert net(torch.randn(4, 20), torch.rand(6, 1)).shape == (4, 6, 3)
    assert net.unaligned(torch.randn(4, 20), torch.rand(4, 1)).shape == (4, 3)
    x = torch.rand(6, 1)
    torch.testing.assert_close(net(torch.ones(2, 20), x), net(torch.ones(2, 20), x + 1.0))  # periodic in y
    cnn = DeepONet({"type": "cnn", "in_channels": 1, "channels": [4, 8], "width": 10}, [2, 10, 10], "tanh")
    assert cnn(torch.randn(3, 16, 16), torch.rand(5, 2)).shape == (3, 5)


def test_bad_input_raises_clear_errors():
    net = DeepONet([20, 16, 16], [1, 16, 16])
    with pytest.raises(ValueError, match="20 sensors"):
        net(torch.zeros(3, 19), torch.zeros(4, 1))
    with pytest.raises(ValueError, match=r"\[P, 1\]"):
        net(torch.zeros(3, 20), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="one point per function"):
        net.unaligned(torch.zeros(3, 20), torch.zeros(4, 1))
    with pytest.raises(ValueError, match="NaN"):
        net(torch.full((3, 20), float("nan")), torch.zeros(4, 1))
    with pytest.raises(ValueError, match="same width"):
        DeepONet([20, 16], [1, 8])
    with pytest.raises(ValueError, match="activation"):
        DeepONet([20, 16], [1, 16], "swish2")


def test_training_reduces_the_error_and_records_history(small_data):
    torch.manual_seed(0)
    net = DeepONet([20, 32, 32], [1, 32, 32])
    history = fit(net, small_data, steps=300, eval_every=100, progress=False)
    assert len(history.loss) == 300 and history.test_step == [100, 200, 300]
    assert history.test_error[-1] < 0.5 * history.test_error[0]
    assert history.loss[-1] < history.loss[0] / 20
    assert all(b >= a for a, b in zip(history.wall_time, history.wall_time[1:]))
    assert float(net.u_std) != 1.0  # normalisation was fitted and stored


def test_checkpoints_resume_exactly(tmp_path, small_data):
    def fresh():
        torch.manual_seed(1)
        return DeepONet([20, 16, 16], [1, 16, 16])

    options = dict(batch_size=50, progress=False, eval_every=1000, checkpoint_every=7, seed=3)
    straight = fresh()
    fit(straight, small_data, steps=20, checkpoint=tmp_path / "a.pt", **options)
    interrupted = fresh()
    fit(interrupted, small_data, steps=9, checkpoint=tmp_path / "b.pt", **options)  # stops mid-epoch
    resumed = fresh()
    history = fit(resumed, small_data, steps=20, checkpoint=tmp_path / "b.pt", **options)
    assert history.step == list(range(1, 21))
    for p, q in zip(straight.parameters(), resumed.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    other = DeepONet([20, 8, 8], [1, 8, 8])
    with pytest.raises(ValueError, match="different architecture"):
        fit(other, small_data, steps=20, checkpoint=tmp_path / "b.pt", **options)


def test_save_and_load_rebuild_the_model(tmp_path, small_data):
    net = DeepONet([20, 16, 16], [1, 16, 16], "tanh", periodic_features=[1])
    fit(net, small_data, steps=5, progress=False)
    save(net, tmp_path / "net.safetensors")
    again = load(tmp_path / "net.safetensors")
    u, y = torch.randn(3, 20), torch.rand(4, 1)
    torch.testing.assert_close(again(u, y), net.eval()(u, y), rtol=0, atol=0)
    assert again.config == net.config
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes((tmp_path / "net.safetensors").read_bytes()[:100])
    with pytest.raises(ValueError, match="not a valid model file"):
        load(broken)


def test_fit_with_tensors_and_bad_arguments():
    torch.manual_seed(0)
    x = torch.randn(200, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = torch.nn.Linear(3, 1)
    history = fit(model, (x, y), steps=400, lr=0.05, progress=False)
    assert history.loss[-1] < 1e-4
    with pytest.raises(ValueError, match="exactly one"):
        fit(model, (x, y), progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, (x, y), steps=1, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="loss"):
        fit(model, (x, y), steps=1, loss="l7", progress=False)


def test_losses_match_their_formulas():
    p, t = torch.tensor([[1.0, 2.0], [0.0, 1.0]]), torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    expected = np.mean([1 / np.sqrt(2), 1 / np.sqrt(2)])
    assert float(relative_l2_loss(p, t)) == pytest.approx(expected)
    assert float(h1_loss(t, t)) == 0.0
    field = torch.sin(torch.linspace(0, 3, 50))[None, :]
    assert float(h1_loss(field * 1.1, field)) == pytest.approx(0.1, rel=1e-6)
