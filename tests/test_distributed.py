"""Training on two processes: real ``torchrun`` runs of tests/ddp_worker.py against one-process training.

Each torchrun run is two processes with one thread each (``--standalone`` picks a free port, so
parallel pytest workers do not collide); a run takes a few seconds, most of it importing torch.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from ddp_worker import build  # noqa: E402

from sciml.train import fit  # noqa: E402

WORKER = Path(__file__).parent / "ddp_worker.py"
TORCHRUN = Path(sys.executable).parent / "torchrun"


def torchrun(tmp_path: Path, config: dict, *, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    path = tmp_path / f"config-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    start = time.perf_counter()
    result = subprocess.run([str(TORCHRUN), "--standalone", "--nproc_per_node=2", str(WORKER), str(path)],
                            capture_output=True, text=True, timeout=timeout, env=env)
    return result, time.perf_counter() - start


def one_process(kind: str, *, steps: int, batch_size: int) -> dict:
    model, data = build(kind)
    fit(model, data, steps=steps, batch_size=batch_size, lr=1e-3, seed=0, progress=False, distributed=False)
    return model.state_dict()


def assert_same_parameters(a: dict, b: dict, atol: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=atol, msg=lambda m: f"{key}: {m}")


@pytest.mark.parametrize("kind, batch_size", [("deeponet", 6), ("tfno", 3), ("dcdm", 3)])
def test_two_ranks_equal_one_process_with_the_doubled_batch(tmp_path, kind, batch_size):
    result, _ = torchrun(tmp_path, {"kind": kind, "steps": 20, "batch_size": batch_size, "lr": 1e-3,
                                    "out": str(tmp_path / "out.pt")})
    assert result.returncode == 0, result.stderr[-3000:]
    two = torch.load(tmp_path / "out.pt", weights_only=True)
    one = one_process(kind, steps=20, batch_size=2 * batch_size)
    if kind == "tfno":
        assert any(v.is_complex() for v in one.values())  # the spectral weights are complex
    assert_same_parameters(two, one, atol=1e-6)
    untrained = build(kind)[0].state_dict()
    assert max(float((one[k] - untrained[k]).abs().max()) for k in one) > 1e-3  # training moved them


def test_a_killed_rank_fails_the_job_and_the_rerun_resumes_exactly(tmp_path):
    config = {"kind": "deeponet", "steps": 20, "batch_size": 6, "lr": 1e-3, "checkpoint": str(tmp_path / "run.pt"),
              "checkpoint_every": 5, "timeout": 30, "out": str(tmp_path / "out.pt")}
    killed, seconds = torchrun(tmp_path, {**config, "kill_rank": 1, "kill_at": 13})  # mid-epoch (4 steps an epoch)
    assert killed.returncode != 0 and seconds < 60
    assert not (tmp_path / "out.pt").exists()
    saved = torch.load(tmp_path / "run.pt", weights_only=True)
    assert saved["step"] == 10 and saved["world_size"] == 2 and len(saved["rng"]) == 2
    rerun, _ = torchrun(tmp_path, config)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    resumed = torch.load(tmp_path / "out.pt", weights_only=True)
    assert_same_parameters(resumed, one_process("deeponet", steps=20, batch_size=12), atol=1e-6)


def test_a_checkpoint_of_two_ranks_resumes_in_one_process(tmp_path):
    """World size 2 -> 1: the order and optimiser continue; a step then has batch_size × 1 samples."""
    config = {"kind": "deeponet", "steps": 8, "batch_size": 6, "checkpoint": str(tmp_path / "run.pt")}
    result, _ = torchrun(tmp_path, config)
    assert result.returncode == 0, result.stderr[-3000:]
    model, data = build("deeponet")
    history = fit(model, data, steps=10, batch_size=12, lr=1e-3, checkpoint=tmp_path / "run.pt", progress=False,
                  distributed=False)
    assert history.step == list(range(1, 11))
    reference = one_process("deeponet", steps=10, batch_size=12)  # same global batches, in one process
    assert_same_parameters(model.state_dict(), reference, atol=1e-6)


@pytest.mark.parametrize("change, message", [
    ({"lr_per_rank": [1e-3, 2e-3]}, "different configurations"),
    ({"limit": 1, "batch_size": None}, "world size 2 is larger than"),
])
def test_bad_distributed_input_fails_on_every_rank_without_hanging(tmp_path, change, message):
    config = {"kind": "deeponet", "steps": 3, "batch_size": 6, "timeout": 30, **change}
    result, seconds = torchrun(tmp_path, config)
    assert result.returncode != 0 and seconds < 60
    assert result.stderr.count(message) >= 2, result.stderr[-3000:]  # both ranks raised it


def test_distributed_true_needs_the_launcher(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    model, data = build("deeponet")
    with pytest.raises(RuntimeError, match="torchrun"):
        fit(model, data, steps=1, distributed=True, progress=False)
    with pytest.raises(ValueError, match="distributed"):
        fit(model, data, steps=1, distributed="yes", progress=False)


def test_the_documented_example_trains_on_two_processes_and_resumes(tmp_path):
    """README's recipe: ``torchrun --standalone --nproc_per_node=2 examples/train_ddp.py``."""
    script = Path(__file__).resolve().parents[1] / "examples" / "train_ddp.py"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SCIML_CACHE_DIR": str(tmp_path / "cache")}
    command = [str(TORCHRUN), "--standalone", "--nproc_per_node=2", str(script), "--n-train", "8",
               "--resolution", "16", "--epochs", "2", "--batch-size", "2", "--checkpoint", str(tmp_path / "c.pt"),
               "--model", str(tmp_path / "m.safetensors")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "4 steps on 2 process(es)" in first.stdout  # 8 samples, 2 × 2 a step, 2 epochs
    assert (tmp_path / "m.safetensors").exists()
    assert torch.load(tmp_path / "c.pt", weights_only=True)["step"] == 4
    longer = command[:command.index("--epochs") + 1] + ["3"] + command[command.index("--epochs") + 2:]
    again = subprocess.run(longer, capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "6 steps on 2 process(es)" in again.stdout  # the checkpoint's 4 steps and 2 more
    assert torch.load(tmp_path / "c.pt", weights_only=True)["step"] == 6


def test_a_process_group_of_the_caller_is_used_and_left_open(tmp_path, monkeypatch):
    """One rank of gloo initialised by the caller (no launcher variables): fit joins it, DDP included."""
    import torch.distributed as dist

    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        model, data = build("deeponet")
        fit(model, data, steps=4, batch_size=12, lr=1e-3, distributed=True, progress=False)
        assert dist.is_initialized()
    finally:
        dist.destroy_process_group()
    assert_same_parameters(model.state_dict(), one_process("deeponet", steps=4, batch_size=12), atol=1e-12)
