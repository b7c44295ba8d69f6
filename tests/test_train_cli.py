"""``sciml train CONFIG``: real subprocesses of the console script and real ``torchrun`` runs.

The config is examples/train_deeponet.yaml at a reduced number of steps (``--set``); each run
takes a few seconds, most of it importing torch.  Bad configs are checked in-process through
:func:`sciml.cli.main` (the same code; they are refused before anything is built).
"""

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("pydantic")

sys.path.insert(0, str(Path(__file__).parent))
from test_distributed import assert_same_parameters  # noqa: E402

from sciml.cli import main  # noqa: E402
from sciml.models import load  # noqa: E402

EXAMPLE = Path(__file__).parents[1] / "examples" / "train_deeponet.yaml"
BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "SCIML_CACHE_DIR": str(tmp_path / "cache")}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


def sciml_train(tmp_path: Path, config: Path, *options: str, processes: int = 0) -> subprocess.CompletedProcess:
    """``sciml train`` (processes=0) or ``torchrun --nproc_per_node=N -m sciml.cli train``."""
    args = ["train", str(config), *options]
    if processes:
        command = [str(BIN / "torchrun"), "--standalone", f"--nproc_per_node={processes}", "-m", "sciml.cli", *args]
    else:
        command = [str(BIN / "sciml"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=_env(tmp_path), cwd=tmp_path)


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "train.yaml"
    path.write_text(EXAMPLE.read_text())
    return path


def test_the_example_trains_saves_and_the_model_predicts(tmp_path, config):
    result = sciml_train(tmp_path, config)
    assert result.returncode == 0, result.stderr[-3000:]
    line, = result.stdout.strip().splitlines()
    assert line.startswith("DeepONet on antiderivative: 200 steps on 1 process(es)"), line
    model = load(tmp_path / "deeponet-antiderivative.safetensors")  # relative to the config's folder
    # it learnt the antiderivative: u = 1 gives s(y) = y
    sensors = torch.ones(1, 20)
    y = torch.linspace(0, 1, 11)[:, None]
    prediction = model(sensors.expand(11, -1), y).detach().squeeze(-1)
    assert float((prediction - y.squeeze(-1)).abs().max()) < 0.15
    test_error = float(line.split("test error ")[1].split()[0].rstrip(","))
    assert test_error < 0.05


def test_two_processes_equal_one_with_the_doubled_batch(tmp_path, config):
    common = ["--set", "fit.steps=20"]
    two = sciml_train(tmp_path, config, *common, "--set", "fit.batch_size=25", "--set", "output=two.safetensors",
                      processes=2)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "20 steps on 2 process(es)" in two.stdout and two.stdout.count("\n") == 1  # rank 0 alone prints
    one = sciml_train(tmp_path, config, *common, "--set", "fit.batch_size=50", "--set", "output=one.safetensors",
                      "--set", "fit.distributed=false")
    assert one.returncode == 0, one.stderr[-3000:]
    a, b = load(tmp_path / "two.safetensors"), load(tmp_path / "one.safetensors")
    assert_same_parameters(a.state_dict(), b.state_dict(), atol=1e-6)  # float32: measured 6e-8
    untrained = sciml_train(tmp_path, config, "--set", "fit.steps=1", "--set", "fit.lr=1e-12",
                            "--set", "output=untrained.safetensors")
    assert untrained.returncode == 0, untrained.stderr[-3000:]
    start = load(tmp_path / "untrained.safetensors").state_dict()
    assert max(float((b.state_dict()[k] - start[k]).abs().max()) for k in start) > 1e-3  # training moved them


def test_a_checkpoint_resumes_and_a_changed_lr_needs_override(tmp_path, config):
    checkpoint = tmp_path / "run.pt"
    first = sciml_train(tmp_path, config, "--set", "fit.steps=10", "--checkpoint", str(checkpoint))
    assert first.returncode == 0, first.stderr[-3000:]
    assert checkpoint.exists()
    changed = sciml_train(tmp_path, config, "--set", "fit.steps=20", "--set", "fit.lr=0.01",
                          "--checkpoint", str(checkpoint))
    assert changed.returncode == 2 and "override" in changed.stderr, changed.stderr[-3000:]
    resumed = sciml_train(tmp_path, config, "--set", "fit.steps=20", "--set", "fit.lr=0.01",
                          "--checkpoint", str(checkpoint), "--override")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "20 steps on 1 process(es)" in resumed.stdout


@pytest.mark.parametrize("edit, key, words", [
    ("fit:\n  steps: 20\n  learning_rate: 0.1\n", "fit.learning_rate", "Extra inputs are not permitted"),
    ("fit:\n  steps: twenty\n", "fit.steps", "valid integer"),
    ("model:\n  name: sciml.operators.NoSuchNet\n", "model.name", "cannot import the class"),
    ("model:\n  name: DeepONet\n  args: {depth: 3}\n", "model.args", "does not accept these arguments"),
    ("data:\n  name: no_such_dataset\n", "data.name", "cannot import the function"),
    ("colour: blue\n", "colour", "Extra inputs are not permitted"),
])
def test_a_bad_config_exits_2_naming_the_key(tmp_path, config, edit, key, words):
    import yaml

    base = yaml.safe_load(config.read_text())
    for name, value in yaml.safe_load(edit).items():
        base[name] = value
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(base, sort_keys=False))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:  # in-process: refused before torch runs
        main(["train", str(bad)])
    assert exit_.value.code == 2
    assert f"{key}:" in err.getvalue() and words in err.getvalue(), err.getvalue()
    assert "line " in err.getvalue()  # and its line in the file
    assert not list(tmp_path.glob("*.safetensors"))
