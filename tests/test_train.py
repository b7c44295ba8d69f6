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
