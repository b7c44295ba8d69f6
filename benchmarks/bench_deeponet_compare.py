"""DeepONet comparisons (issue 5): against DeepXDE on the same data and network (time per step,
test MSE), against a fully connected network on the nonlinear ODE and the pendulum, and the
diffusion–reaction test error.

DeepXDE is a benchmark-only dependency: ``.venv/bin/pip install -e '.[bench]'``.
Run with ``.venv/bin/python benchmarks/bench_deeponet_compare.py [--steps 5000]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from sciml.data import antiderivative, diffusion_reaction, nonlinear_ode, pendulum
from sciml.operators import DeepONet
from sciml.train import fit


def test_mse(model, data) -> float:
    branch, trunk, target = (torch.as_tensor(a, dtype=torch.float32) for a in data.unaligned())
    with torch.no_grad():
        return float(torch.mean((model.unaligned(branch, trunk) - target) ** 2))


def trimmed_mse(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """The DeepONet reference code's test metric: the MSE without the worst 0.1 % squared errors."""
    errors = torch.sort(((prediction - target) ** 2).reshape(-1)).values
    return float(errors[: errors.numel() - errors.numel() // 1000].mean())


def against_deepxde(steps: int) -> None:
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import deepxde as dde

    data = antiderivative(10_000, 100_000, seed=0)
    train_b, train_y, train_s = (a.astype(np.float32) for a in data.train.unaligned())
    test_b, test_y, test_s = (a.astype(np.float32) for a in data.test.unaligned())

    torch.manual_seed(0)
    ours = DeepONet([100, 40, 40], [1, 40, 40])
    history = fit(ours, data, steps=steps, eval_every=steps, progress=False, normalize=False)
    t_ours = history.wall_time[-1]

    dde.config.set_random_seed(0)
    dde_data = dde.data.Triple(X_train=(train_b, train_y), y_train=train_s, X_test=(test_b, test_y), y_test=test_s)
    net = dde.nn.DeepONet([100, 40, 40], [1, 40, 40], "relu", "Glorot normal")
    model = dde.Model(dde_data, net)
    model.compile("adam", lr=1e-3)
    start = time.perf_counter()
    model.train(iterations=steps, display_every=steps, verbose=0)
    t_dde = time.perf_counter() - start
    mse_dde = float(np.mean((model.predict((test_b, test_y)) - test_s) ** 2))
    print(f"### Against DeepXDE {dde.__version__} (PyTorch backend), antiderivative, {steps} full-batch Adam steps\n")
    print("| implementation | time per step | test MSE (100,000 triples) |\n|---|---|---|")
    print(f"| sciml | {1e3 * t_ours / steps:.2f} ms | {test_mse(ours, data.test):.2e} |")
    print(f"| DeepXDE | {1e3 * t_dde / steps:.2f} ms | {mse_dde:.2e} |")
    print(f"\nRatio of times per step sciml / DeepXDE: **{t_ours / t_dde:.2f}** (target <= 0.8); both include one "
          "evaluation on the test set. Same data, network, initialisation scheme, optimiser and step count; "
          "sciml's input/output normalisation is switched off here so that the two models are the same function.")


class FullyConnected(torch.nn.Module):
    def __init__(self, m: int):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(m + 1, 100), torch.nn.ReLU(), torch.nn.Linear(100, 100),
                                       torch.nn.ReLU(), torch.nn.Linear(100, 1))

    def forward(self, u, y):
        return self.net(torch.cat([u, y], dim=1))


def against_fully_connected(steps: int) -> None:
    print(f"\n### DeepONet against a fully connected network [m + 1, 100, 100, 1], {steps} full-batch Adam steps\n")
    print("| problem | DeepONet test MSE | FC test MSE | FC / DeepONet | the same without the worst 0.1 % "
          "(reference metric): DeepONet | FC | FC / DeepONet |\n|---|---|---|---|---|---|---|")
    for name, make in (("nonlinear ODE s' = -s² + u", nonlinear_ode), ("pendulum", pendulum)):
        data = make(10_000, 10_000, seed=0)
        torch.manual_seed(0)
        deeponet = DeepONet([100, 40, 40], [1, 40, 40])
        fit(deeponet, data, steps=steps, eval_every=steps, progress=False)
        torch.manual_seed(0)
        fc = FullyConnected(100)
        branch, trunk, target = (torch.as_tensor(a, dtype=torch.float32) for a in data.train.unaligned())
        fit(fc, (branch, trunk, target), steps=steps, progress=False)
        tb, tt, ts = (torch.as_tensor(a, dtype=torch.float32) for a in data.test.unaligned())
        with torch.no_grad():
            fc_prediction, d_prediction = fc(tb, tt), deeponet.unaligned(tb, tt)
        fc_mse, d_mse = float(torch.mean((fc_prediction - ts) ** 2)), float(torch.mean((d_prediction - ts) ** 2))
        fc_trim, d_trim = trimmed_mse(fc_prediction, ts), trimmed_mse(d_prediction, ts)
        print(f"| {name} | {d_mse:.2e} | {fc_mse:.2e} | {fc_mse / d_mse:.1f} | {d_trim:.2e} | {fc_trim:.2e} | "
              f"{fc_trim / d_trim:.1f} |")


def diffusion_reaction_error(steps: int) -> None:
    data = diffusion_reaction(1000, 200, m=100, grid_stride=4, seed=0)
    torch.manual_seed(0)
    model = DeepONet([100, 100, 100], [2, 100, 100])
    history = fit(model, data, steps=steps, layout="aligned", eval_every=steps, progress=False,
                  schedule=("step", steps // 4, 0.5))
    print("\n### Diffusion–reaction (D = k = 0.01), 1000 / 200 functions on the 26 x 26 (x, t) grid\n")
    print(f"- DeepONet branch [100, 100, 100], trunk [2, 100, 100], {steps} full-batch Adam steps in "
          f"{history.wall_time[-1]:.0f} s: test MSE **{history.test_error[-1]:.2e}** (paper: about 1e-5 to 1e-6)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--only", choices=("deepxde", "fully-connected", "diffusion-reaction"), default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    for name, run in (("deepxde", against_deepxde), ("fully-connected", against_fully_connected),
                      ("diffusion-reaction", diffusion_reaction_error)):
        if args.only in (None, name):
            run(args.steps)


if __name__ == "__main__":
    main()
