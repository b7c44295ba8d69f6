"""Fuzz properties of the training machinery: ``sciml.batches.ShardedOrder``, ``sciml.checkpoints``
and ``sciml.distributed`` (in one process, without a launcher's environment).  Each property: a
correct result (a round trip, an oracle, an exact relation) or a documented exception, within the
time limit."""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import FrozenInstanceError
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz_support import call, covers, rejects

torch = pytest.importorskip("torch")

from sciml import batches as sb  # noqa: E402
from sciml import checkpoints as sc  # noqa: E402
from sciml import distributed as sdist  # noqa: E402

# ---------------------------------------------------------------------------------------------
# sciml.batches.ShardedOrder
# ---------------------------------------------------------------------------------------------


@covers("sciml.batches.ShardedOrder")
@settings(max_examples=20)
@given(n=st.integers(-1, 13), batch=st.one_of(st.none(), st.integers(-1, 8)), world=st.integers(1, 4),
       seed=st.integers(0, 2**31 - 1), steps=st.integers(1, 8), bad_rank=st.sampled_from([-1, 0]))
def test_sharded_order_ranks_partition_the_one_process_batch(n, batch, world, seed, steps, bad_rank):
    """The ranks' shares of every step, concatenated in rank order, are the one-process batch of
    ``world × batch_size`` samples (same seed); each epoch visits every sample once; a size no rank
    layout can serve is refused with ValueError, by every rank alike."""
    ranks = [call(lambda r=r: sb.ShardedOrder(n, batch, seed=seed, rank=r, world_size=world)) for r in range(world)]
    if any(r is None for r in ranks):
        assert all(r is None for r in ranks), "the ranks disagree on whether the sizes are valid"
        assert (n < max(world, 1) or (batch is not None and not 1 <= batch * world <= n)
                or 0 < n % (batch * world if batch is not None else n) < world), (n, batch, world)
        return
    assert n >= world and n >= 1
    one = sb.ShardedOrder(n, None if batch is None else batch * world, seed=seed)
    seen: list[int] = []
    for _ in range(steps):
        parts = [r.next() for r in ranks]
        index, size = one.next()
        expected = list(range(n)) if index is None else index.tolist()
        assert all(p[1] == size == len(expected) for p in parts)
        shares = [p[0].tolist() if p[0] is not None else list(range(n)) for p in parts]
        assert all(shares), "a rank got no sample"
        assert max(map(len, shares)) - min(map(len, shares)) <= 1
        assert sum(shares, []) == expected
        seen += expected
        if len(seen) >= n:
            assert sorted(seen[:n]) == list(range(n)), "an epoch did not visit every sample once"
            seen = seen[n:]
    assert all(r.steps_per_epoch == one.steps_per_epoch == -(-n // (n if batch is None else batch * world))
               for r in ranks)
    # the global state resumes any rank on any world size
    resumed = sb.ShardedOrder(n, None if batch is None else batch * world, seed=seed + 1)
    resumed.load_state_dict(ranks[-1].state_dict())
    a, b = resumed.next(), one.next()
    assert a[1] == b[1] and (a[0] is None) == (b[0] is None) and (a[0] is None or torch.equal(a[0], b[0]))
    rejects(lambda: sb.ShardedOrder(n + 1, None).load_state_dict(one.state_dict()))
    rejects(lambda: sb.ShardedOrder(n, n + 1, seed=seed))
    rejects(lambda: sb.ShardedOrder(n, 0, seed=seed))
    rejects(lambda: sb.ShardedOrder(n, batch, seed=seed, rank=world if bad_rank == 0 else -1, world_size=world))


# ---------------------------------------------------------------------------------------------
# sciml.checkpoints
# ---------------------------------------------------------------------------------------------

leaves = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.text(max_size=6), st.booleans(),
                   st.none(), st.integers(0, 5).map(lambda k: torch.arange(k, dtype=torch.float64) / 3))
states = st.dictionaries(st.text("abcstep_", min_size=1, max_size=6).filter(lambda k: k != "format"),
                         st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                        st.dictionaries(st.text("xyz", max_size=2),
                                                                                        inner, max_size=3)),
                                      max_leaves=6), max_size=4)


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@covers("sciml.checkpoints.write_checkpoint", "sciml.checkpoints.read_checkpoint", "sciml.checkpoints.FORMAT")
@settings(max_examples=15)
@given(state=states, cut=st.floats(0.0, 0.95), foreign=st.sampled_from(["list", "old", "bytes", "empty", "text"]))
def test_checkpoint_round_trip_and_damaged_files_refused(tmp_path_factory, state, cut, foreign):
    folder = tmp_path_factory.mktemp("ckpt")
    path = folder / "run.pt"
    assert call(lambda: sc.write_checkpoint(state, path)) is None and path.exists()
    back = call(lambda: sc.read_checkpoint(path))
    assert back["format"] == sc.FORMAT and isinstance(sc.FORMAT, int)
    assert _same({k: v for k, v in back.items() if k != "format"}, state)
    # a truncated copy is refused, naming the file
    data = path.read_bytes()
    short = folder / "short.pt"
    short.write_bytes(data[:int(cut * len(data))])
    assert str(short) in str(rejects(lambda: sc.read_checkpoint(short), documented=(ValueError,)))
    # a foreign file (another layout, another format version, not a torch file at all)
    other = folder / "other.pt"
    if foreign == "list":
        torch.save([1, 2, 3], other)
    elif foreign == "old":
        torch.save({"format": sc.FORMAT - 1, **state}, other)
    elif foreign == "bytes":
        other.write_bytes(np.random.default_rng(len(data)).bytes(64))
    elif foreign == "empty":
        other.write_bytes(b"")
    else:
        other.write_text(json.dumps({"format": sc.FORMAT}))
    assert str(other) in str(rejects(lambda: sc.read_checkpoint(other), documented=(ValueError,)))
    with pytest.raises(FileNotFoundError):
        sc.read_checkpoint(folder / "missing.pt")


@covers("sciml.checkpoints.rng_states", "sciml.checkpoints.restore_rng_states")
@settings(max_examples=8)
@given(seed=st.integers(0, 2**32 - 1), draws=st.integers(0, 5), gauss=st.booleans(), through_file=st.booleans())
def test_restored_rng_states_reproduce_the_next_draws(tmp_path_factory, seed, draws, gauss, through_file):
    """After restore_rng_states(rng_states()) torch, numpy and Python draw the same numbers again
    (also through a checkpoint file, which is read with weights_only=True)."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)
    for _ in range(draws):  # move the streams along (and leave a cached Gaussian behind)
        torch.rand(1), np.random.standard_normal(), random.random()
    if gauss:
        random.gauss(0.0, 1.0)
        np.random.standard_normal()

    def next_draws():
        return (torch.rand(3).tolist(), torch.randn(2).tolist(), np.random.standard_normal(3).tolist(),
                np.random.randint(0, 1000, 3).tolist(), random.random(), random.gauss(0.0, 1.0))

    saved = call(sc.rng_states)
    if through_file:
        path = tmp_path_factory.mktemp("rng") / "rng.pt"
        sc.write_checkpoint({"rng": saved}, path)
        saved = sc.read_checkpoint(path)["rng"]
    first = next_draws()
    assert call(lambda: sc.restore_rng_states(saved)) is None
    assert next_draws() == first
    assert next_draws() != first  # the streams moved on: the comparison is not vacuous


@covers("sciml.checkpoints.data_fingerprint")
@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 5), cols=st.integers(1, 4),
       dtype=st.sampled_from([torch.float32, torch.float64]), change=st.sampled_from(["value", "input", "dtype",
                                                                                        "method", "shape"]))
def test_data_fingerprint_equal_data_equal_print(seed, rows, cols, dtype, change):
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.standard_normal((rows, cols))).to(dtype)
    y = torch.from_numpy(rng.standard_normal((rows, 1))).to(dtype)
    data = sb.ArrayBatches((x,), y)
    fp = call(lambda: sc.data_fingerprint(data))
    assert isinstance(fp, str) and len(fp) == 64
    # equal values in other memory layouts (a copy, a transposed view, an expanded row) print alike
    assert sc.data_fingerprint(sb.ArrayBatches((x.clone(),), y.clone())) == fp
    assert sc.data_fingerprint(sb.ArrayBatches((x.t().contiguous().t(),), y)) == fp
    row = x[:1].expand(rows, cols)
    assert sc.data_fingerprint(sb.ArrayBatches((row,), y)) == sc.data_fingerprint(sb.ArrayBatches((row.clone(),), y))
    i, j = int(rng.integers(rows)), int(rng.integers(cols))
    if change == "value":
        z = y.clone()
        z[i, 0] = z[i, 0] + 1
        other = sb.ArrayBatches((x,), z)
    elif change == "input":
        z = x.clone()
        z[i, j] = -z[i, j] if z[i, j] != 0 else 1.0
        other = sb.ArrayBatches((z,), y)
    elif change == "dtype":
        other = sb.ArrayBatches((x.to(torch.float16 if dtype == torch.float64 else torch.float64),), y)
    elif change == "method":
        other = sb.ArrayBatches((x,), y, method="unaligned")
    else:
        other = sb.ArrayBatches((x.reshape(rows, cols, 1),), y)
    assert sc.data_fingerprint(other) != fp
    # an iterable: its type and length
    batches = [(x, y)] * rows
    assert sc.data_fingerprint(batches) == f"iterable list of {rows} batches"
    assert sc.data_fingerprint(iter(batches)) == "iterable list_iterator of None batches"


def _named_function():
    return None


@covers("sciml.checkpoints.describe", "sciml.checkpoints.model_description")
@settings(max_examples=15)
@given(value=st.recursive(st.one_of(st.integers(-100, 100), st.floats(allow_nan=False, allow_infinity=False),
                                    st.text(max_size=4), st.booleans(), st.none()),
                          lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                                                  st.dictionaries(st.text("ab", max_size=2), inner, max_size=2)),
                          max_leaves=6),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4), bias=st.booleans())
def test_describe_is_json_and_model_description_lists_the_parameters(value, n_in, n_out, bias):
    described = call(lambda: sc.describe(value))
    assert json.loads(json.dumps(described)) == described == json.loads(json.dumps(value))  # tuples as lists
    assert sc.describe(described) == described
    assert sc.describe(_named_function) == f"{__name__}._named_function"
    assert sc.describe(math.sqrt) == "math.sqrt"
    assert sc.describe(torch.nn.functional.mse_loss) == "torch.nn.functional.mse_loss"
    assert sc.describe(object()).startswith("<object object")  # no JSON for it: its repr
    assert sc.describe(int) == repr(int)

    model = torch.nn.Sequential(torch.nn.Linear(n_in, n_out, bias=bias), torch.nn.Tanh())
    description = call(lambda: sc.model_description(model))
    assert description["class"] == "torch.nn.modules.container.Sequential" and description["config"] is None
    expect = [["0.weight", [n_out, n_in], "torch.float32"]] + ([["0.bias", [n_out], "torch.float32"]] if bias else [])
    assert description["parameters"] == expect
    json.dumps(description)
    model.config = {"width": n_out, "act": torch.tanh, "sizes": (n_in, n_out)}
    assert sc.model_description(model)["config"] == {"width": n_out, "act": sc.describe(torch.tanh),
                                                       "sizes": [n_in, n_out]}
    assert "0x" not in sc.describe(torch.tanh) and "0x" not in sc.describe({"f": [torch.tanh]})["f"][0]
    assert sc.model_description(torch.nn.Linear(n_in + 1, n_out, bias=bias)) != description


@covers("sciml.checkpoints.refuse_changes", "sciml.checkpoints.RESUME_KEYS")
@settings(max_examples=20)
@given(present=st.sets(st.sampled_from(sc.RESUME_KEYS)), changed=st.sets(st.sampled_from(sc.RESUME_KEYS)),
       extra=st.booleans(), override=st.booleans(), lr=st.floats(1e-6, 1.0))
def test_refuse_changes_names_the_changed_settings(present, changed, extra, override, lr):
    assert len(set(sc.RESUME_KEYS)) == len(sc.RESUME_KEYS) and "lr" in sc.RESUME_KEYS
    saved = {key: {"lr": lr}.get(key, f"saved-{key}") for key in present}
    saved["epochs"] = 10  # not a resume key: may change freely
    current = {key: (f"new-{key}" if key in changed else saved.get(key, f"saved-{key}")) for key in sc.RESUME_KEYS}
    current["epochs"] = 20 if extra else 10
    expected = [key for key in sc.RESUME_KEYS if key in present and key in changed]
    if expected and not override:
        error = rejects(lambda: sc.refuse_changes(saved, current, path="run.pt", override=False),
                        documented=(ValueError,))
        assert "run.pt" in str(error) and all(key in str(error) for key in expected)
        assert sc.refuse_changes(saved, current, path="run.pt", override=True) == expected
        return
    assert call(lambda: sc.refuse_changes(saved, current, path="run.pt", override=override)) == expected
    # a changed learning rate is refused (unless override), an equal one is not
    with pytest.raises(ValueError, match="lr"):
        sc.refuse_changes({"lr": lr}, {"lr": lr * 2}, path="run.pt", override=False)
    assert sc.refuse_changes({"lr": lr}, {"lr": lr * 2}, path="run.pt", override=True) == ["lr"]
    assert sc.refuse_changes({"lr": lr}, {"lr": float(lr)}, path="run.pt", override=False) == []


# ---------------------------------------------------------------------------------------------
# sciml.distributed (one process, no launcher)
# ---------------------------------------------------------------------------------------------

_ENVIRONMENT = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "localhost", "MASTER_PORT": "29500"}


def _no_launcher():
    """os.environ without the launcher's variables (restored afterwards)."""
    patch = mock.patch.dict(os.environ)
    patch.start()
    for name in sdist.LAUNCHER_VARIABLES:
        os.environ.pop(name, None)
    return patch


def _enter(distributed, timeout=10.0):
    with sdist.process_group(distributed, timeout=timeout) as ranks:
        return ranks


@covers("sciml.distributed.launched", "sciml.distributed.LAUNCHER_VARIABLES", "sciml.distributed.process_group",
        "sciml.distributed.Ranks")
@settings(max_examples=15)
@given(present=st.sets(st.sampled_from(sorted(_ENVIRONMENT))), distributed=st.sampled_from(["auto", True, False,
                                                                                                "yes", None]),
       timeout=st.sampled_from([10.0, 0.5, 0.0, -1.0, math.nan, math.inf]))
def test_process_group_without_a_launcher_is_one_process(present, distributed, timeout):
    assert set(sdist.LAUNCHER_VARIABLES) == set(_ENVIRONMENT)
    environ = {name: _ENVIRONMENT[name] for name in present}
    assert sdist.launched(environ) == (present == set(_ENVIRONMENT))
    assert sdist.launched({**environ, "OTHER": "1"}) == sdist.launched(environ)
    patch = _no_launcher()
    try:
        assert sdist.launched() is False
        valid = distributed in ("auto", True, False) and timeout > 0
        if not valid:
            rejects(lambda: _enter(distributed, timeout))
            return
        if distributed is True:
            error = rejects(lambda: _enter(True, timeout), documented=(RuntimeError,))
            assert all(name in str(error) for name in sdist.LAUNCHER_VARIABLES)
            return
        ranks = call(lambda: _enter(distributed, timeout))
    finally:
        patch.stop()
    assert ranks == sdist.Ranks() and isinstance(ranks, sdist.Ranks)
    assert (ranks.rank, ranks.world_size, ranks.local_rank, ranks.active, ranks.is_main) == (0, 1, 0, False, True)
    assert sdist.Ranks(rank=2, world_size=3).is_main is False
    with pytest.raises(FrozenInstanceError):
        ranks.rank = 1


@covers("sciml.distributed.agree", "sciml.distributed.all_mean", "sciml.distributed.gather")
@settings(max_examples=15)
@given(value=st.floats(-1e6, 1e6), weight=st.floats(0.0, 1e3), payload=st.one_of(st.integers(), st.text(max_size=5),
                                                                                   st.lists(st.integers(), max_size=3)),
       settings_=st.dictionaries(st.text("abc", max_size=3), st.integers(), max_size=3))
def test_collectives_in_one_process(value, weight, payload, settings_):
    ranks = sdist.Ranks()
    assert call(lambda: sdist.agree(ranks, settings_)) is None
    assert call(lambda: sdist.all_mean(ranks, value, weight)) == (float(value), float(weight))
    mean, total = sdist.all_mean(ranks, torch.tensor(value, dtype=torch.float64), np.float64(weight))
    assert (mean, total) == (float(value), float(weight)) and type(mean) is float and type(total) is float
    assert call(lambda: sdist.gather(ranks, payload)) == [payload]
    assert sdist.gather(ranks, payload)[0] is payload
    rejects(lambda: sdist.all_mean(ranks, "not a number"))


@covers("sciml.distributed.fingerprint")
@settings(max_examples=20)
@given(settings_=st.dictionaries(st.text("abcde", min_size=1, max_size=4),
                                 st.one_of(st.integers(-100, 100), st.floats(-1e3, 1e3, allow_nan=False),
                                           st.text(max_size=3), st.lists(st.integers(0, 9), max_size=3)),
                                 min_size=1, max_size=5), which=st.integers(0, 10))
def test_fingerprint_is_canonical_and_sensitive(settings_, which):
    fp = call(lambda: sdist.fingerprint(settings_))
    assert isinstance(fp, str) and len(fp) == 64 and int(fp, 16) >= 0
    assert sdist.fingerprint(dict(reversed(list(settings_.items())))) == fp  # key order does not matter
    assert sdist.fingerprint(json.loads(json.dumps(settings_))) == fp
    key = sorted(settings_)[which % len(settings_)]
    changed = dict(settings_)
    old = settings_[key]
    changed[key] = old + [1] if isinstance(old, list) else old + "x" if isinstance(old, str) else old + 1
    assert sdist.fingerprint(changed) != fp
    assert sdist.fingerprint({**settings_, key + "_": 0}) != fp
    assert sdist.fingerprint({"f": math.sqrt}) == sdist.fingerprint({"f": math.sqrt})  # repr for non-JSON values
    assert sdist.fingerprint({"lr": 1e-3}) == sdist.fingerprint({"lr": 0.001})
