"""The training loop's data protocol (sciml.batches) and its guards."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sciml.batches import ArrayBatches, as_batches  # noqa: E402
from sciml.train import fit  # noqa: E402


def _line_data(n=64):
    x = torch.linspace(-1, 1, n, dtype=torch.float64)[:, None]
    return x, 3 * x + 1


def test_fit_on_an_iterable_of_batches_learns_the_line():
    x, y = _line_data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16, shuffle=False)
    model = torch.nn.Linear(1, 1).double()
    history = fit(model, loader, epochs=100, lr=0.05, progress=False)
    assert len(history.step) == 100 * 4  # four batches an epoch
    assert model.weight.item() == pytest.approx(3.0, abs=1e-3)
    assert model.bias.item() == pytest.approx(1.0, abs=1e-3)


def test_iterable_test_data_weight_batches_by_samples():
    x, y = _line_data(60)
    model = torch.nn.Linear(1, 1).double()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=25)  # 25 + 25 + 10
    history = fit(model, (x, y), loader, steps=1, lr=0.0, progress=False)
    with torch.no_grad():
        expected = float(torch.mean((model(x) - y) ** 2))
    assert history.test_error[-1] == pytest.approx(expected, rel=1e-12)


def test_in_memory_and_tuple_forms_train_identically():
    x, y = _line_data()
    a, b = torch.nn.Linear(1, 1).double(), torch.nn.Linear(1, 1).double()
    b.load_state_dict(a.state_dict())
    fit(a, (x, y), steps=20, batch_size=8, seed=3, progress=False)
    fit(b, ArrayBatches((x,), y), steps=20, batch_size=8, seed=3, progress=False)
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


def test_a_target_that_would_broadcast_is_refused():
    x, y = _line_data()
    model = torch.nn.Linear(1, 1).double()
    with pytest.raises(ValueError, match="shape"):
        fit(model, (x, y[:, 0]), steps=1, progress=False)  # (N,) target against (N, 1) prediction
    loader = [(x, y[:, 0])]
    with pytest.raises(ValueError, match="shape"):
        fit(model, loader, steps=1, progress=False)


def test_a_diverging_loss_stops_with_the_step_named():
    x, y = _line_data()
    model = torch.nn.Linear(1, 1).double()
    with pytest.raises(FloatingPointError, match="step"):
        fit(model, (x, 1e200 * y), steps=50, lr=1.0, optimizer="sgd", progress=False)


def test_protocol_errors_are_clear():
    x, y = _line_data()
    with pytest.raises(ValueError, match="samples"):
        ArrayBatches((x[:5],), y)
    with pytest.raises(ValueError, match="inputs..., target"):
        as_batches((x,))
    with pytest.raises(TypeError, match="batches"):
        as_batches(3.0)
    model = torch.nn.Linear(1, 1).double()
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, [(x, y)], steps=1, batch_size=4, progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, iter([(x, y)]), epochs=1, progress=False)


def test_data_sets_provide_the_protocol():
    from sciml.data import FieldData

    fields = FieldData(np.zeros((4, 1, 8, 8)), np.ones((4, 2, 8, 8)))
    batches = as_batches(fields)
    assert isinstance(batches, ArrayBatches) and len(batches) == 4 and batches.n_inputs == 1


# -- the batch order shared between ranks ---------------------------------------------------
def test_sharded_order_gives_each_rank_its_part_of_the_one_process_batch():
    from sciml.batches import ShardedOrder

    one = ShardedOrder(10, 4, seed=5)
    ranks = [ShardedOrder(10, 2, seed=5, rank=r, world_size=2) for r in range(2)]
    epochs = []
    for _ in range(6):  # three epochs of 4 + 4 + 2 samples
        index, size = one.next()
        parts = [order.next() for order in ranks]
        assert [s for _, s in parts] == [size, size]
        assert torch.cat([p for p, _ in parts]).tolist() == index.tolist()
        epochs.append(index.tolist())
    firsts = [sorted(sum(epochs[k:k + 3], [])) for k in (0, 3)]
    assert firsts == [list(range(10))] * 2          # every sample once an epoch
    assert epochs[0] + epochs[1] != epochs[3] + epochs[4]  # reshuffled every epoch
    assert one.epoch == 2


def test_sharded_order_state_resumes_on_another_world_size():
    from sciml.batches import ShardedOrder

    first = ShardedOrder(12, 2, seed=1, rank=1, world_size=2)
    first.next()
    state = first.state_dict()
    alone = ShardedOrder(12, 4, seed=1)
    alone.load_state_dict(state)
    straight = ShardedOrder(12, 4, seed=1)
    straight.next()
    assert [alone.next()[0].tolist() for _ in range(4)] == [straight.next()[0].tolist() for _ in range(4)]
    with pytest.raises(ValueError, match="12 samples"):
        ShardedOrder(11, 4, seed=1).load_state_dict(state)


def test_sharded_order_refuses_batches_it_cannot_share_out():
    from sciml.batches import ShardedOrder

    with pytest.raises(ValueError, match="exceeds the 10 samples"):
        ShardedOrder(10, 6, world_size=2)
    with pytest.raises(ValueError, match="world size 2 is larger than the 1 samples"):
        ShardedOrder(9, 4, world_size=2)  # the last global batch of 9 % 8 = 1 sample
    with pytest.raises(ValueError, match="rank"):
        ShardedOrder(10, 1, rank=2, world_size=2)


# -- checkpoints ------------------------------------------------------------------------------
def _dropout_model():
    torch.manual_seed(7)
    return torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1)).double()


def test_resume_restores_the_global_random_states(tmp_path):
    """Dropout draws from torch's global generator: a resumed run continues its stream."""
    x, y = _line_data()
    options = dict(batch_size=16, lr=1e-2, seed=2, progress=False, checkpoint_every=3)
    straight = _dropout_model()
    fit(straight, (x, y), steps=12, checkpoint=tmp_path / "a.pt", **options)
    interrupted = _dropout_model()
    fit(interrupted, (x, y), steps=7, checkpoint=tmp_path / "b.pt", **options)
    resumed = _dropout_model()  # reseeds the global generator, as a fresh process would
    history = fit(resumed, (x, y), steps=12, checkpoint=tmp_path / "b.pt", **options)
    assert history.step == list(range(1, 13))
    for p, q in zip(straight.parameters(), resumed.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    state = torch.load(tmp_path / "b.pt", weights_only=True)
    assert {"torch", "numpy", "python"} <= set(state["rng"][0]) and state["order"]["epoch"] == 3


def test_a_changed_resume_is_refused_unless_overridden(tmp_path):
    x, y = _line_data()
    path = tmp_path / "run.pt"
    model = torch.nn.Linear(1, 1).double()
    fit(model, (x, y), steps=5, lr=1e-2, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match=r"lr: 0.01 -> 0.1.*override=True"):
        fit(model, (x, y), steps=10, lr=0.1, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="a different data set"):
        fit(model, (x, 2 * y), steps=10, lr=1e-2, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, (x, y), steps=10, lr=1e-2, optimizer="sgd", checkpoint=path, progress=False)
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    history = fit(model, (x, y), steps=10, lr=0.0, checkpoint=path, progress=False, override=True)
    assert history.step == list(range(1, 11))  # resumed at step 5 ...
    for key, value in model.state_dict().items():  # ... and the new learning rate (0) applied
        torch.testing.assert_close(value, saved[key], rtol=0, atol=0)


def test_a_foreign_checkpoint_is_refused(tmp_path):
    x, y = _line_data()
    path = tmp_path / "old.pt"
    torch.save({"model": {}, "step": 3}, path)  # the layout of an older version
    with pytest.raises(ValueError, match="format"):
        fit(torch.nn.Linear(1, 1).double(), (x, y), steps=5, checkpoint=path, progress=False)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a valid checkpoint"):
        fit(torch.nn.Linear(1, 1).double(), (x, y), steps=5, checkpoint=path, progress=False)
