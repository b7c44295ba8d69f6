"""The operator learners' checks in the validation report (entry point ``validation.checks``):
a small DeepONet on the antiderivative, the MG-TFNO patching round trip and a small TFNO on
Darcy flow."""

from __future__ import annotations

from sciml.backend import namespace_for
from validation.checks import CheckOutcome, CheckRegistry

__all__ = ["register"]


def _deeponet_antiderivative(backend: str) -> CheckOutcome:
    import numpy as np
    import torch

    from sciml.data import GaussianRandomField1D, antiderivative
    from sciml.operators import DeepONet
    from sciml.train import fit

    device = "cuda" if backend == "cupy" else "cpu"
    torch.manual_seed(0)
    data = antiderivative(1000, 10, m=100, seed=0, cache=False)
    model = DeepONet([100, 40, 40], [1, 40, 40]).to(device)
    history = fit(model, data, steps=8000, layout="aligned", lr=1e-3, seed=0, progress=False, eval_every=8000)
    # Fresh functions (another seed), exact antiderivative on a 100-point grid.
    funcs = GaussianRandomField1D(length_scale=0.2).sample(200, seed=12345)
    sensors, grid = np.linspace(0, 1, 100), np.linspace(0, 1, 100)
    u = torch.as_tensor(funcs(sensors), dtype=torch.float32, device=device)
    y = torch.as_tensor(grid[:, None], dtype=torch.float32, device=device)
    with torch.no_grad():
        prediction = model(u, y).cpu().numpy()
    reference = funcs.antiderivative(grid)
    error = float(np.mean(np.linalg.norm(prediction - reference, axis=1) / np.linalg.norm(reference, axis=1)))
    seconds = history.wall_time[-1]
    profile = {"x": grid.tolist(), "exact": reference[0].tolist(), "approx": prediction[0].tolist(),
               "xlabel": "x (first fresh input function)"}
    return CheckOutcome(error=error, tolerance=0.02, measure="mean relative L2 on 200 fresh functions",
                        profile=profile, details=f"branch [100, 40, 40], trunk [1, 40, 40], 1000 functions on a "
                                                  f"100-point grid (aligned), 8000 full-batch Adam steps in "
                                                  f"{seconds:.1f} s")


def _mgtfno_patching(backend: str) -> CheckOutcome:
    import torch

    from sciml.operators import MGTFNO

    device = "cuda" if backend == "cupy" else "cpu"
    generator = torch.Generator().manual_seed(0)
    worst, cases = 0.0, []
    for levels, padding, n in ((1, 0.0, 64), (1, 1 / 16, 64), (2, 1 / 16, 64), (2, 1 / 8, 128), (3, 1 / 32, 128)):
        model = MGTFNO(4, 2, 1, 4, levels=levels, padding_fraction=padding, coordinates=False).to(device)
        x = torch.randn(3, 2, n, n, generator=generator, dtype=torch.float64).to(device)
        patches, _ = model.patching.patch(x, None)
        back, _ = model.patching.unpatch(patches, None, evaluation=True)
        worst = max(worst, float((back[:, :2] - x).abs().max()))
        cases.append(f"L={levels}, p={padding:g}, {n}²")
    return CheckOutcome(error=worst, tolerance=1e-15, measure="max |unpatch(patch(x)) - x|",
                        details="neuraloperator MultigridPatching2D inside MGTFNO: " + "; ".join(cases))


def _tfno_darcy(backend: str) -> CheckOutcome:
    import torch

    from sciml.data import darcy
    from sciml.operators import MGTFNO
    from sciml.train import fit, relative_l2_loss

    device = "cuda" if backend == "cupy" else "cpu"
    data = darcy(256, 64, 32, seed=11, cache=False)
    model = MGTFNO(12, 1, 1, 24, rank=0.2, seed=0).to(device)
    history = fit(model, data, epochs=20, batch_size=16, lr=5e-3, schedule=("cosine",), loss="relative_l2",
                  eval_every=10**9, progress=False)
    with torch.no_grad():
        x = torch.as_tensor(data.test.inputs, dtype=torch.float32, device=device)
        y = torch.as_tensor(data.test.outputs, dtype=torch.float32, device=device)
        prediction = model(x)
        error = float(relative_l2_loss(prediction, y))
    cut = 16
    grid = ((torch.arange(32) + 0.5) / 32).tolist()
    profile = {"x": grid, "exact": y[0, 0, :, cut].cpu().tolist(), "approx": prediction[0, 0, :, cut].cpu().tolist(),
               "xlabel": "x (first test sample, cut at y ≈ 1/2)"}
    return CheckOutcome(error=error, tolerance=0.10, measure="mean relative L2 on 64 held-out samples",
                        profile=profile,
                        details=f"TFNO (Tucker, rank 0.2, 12 modes, width 24, {model.n_parameters:,} parameters, "
                                f"{model.compression_ratio:.1f}x fewer than the dense FNO), 256 Darcy samples at 32², "
                                f"20 epochs in {history.wall_time[-1]:.1f} s")


def register(registry: CheckRegistry) -> None:
    """Add the operator learners' checks to ``registry``."""
    registry.check("deeponet-antiderivative", component="sciml.operators",
                   description="a small DeepONet learns the antiderivative operator in under a minute",
                   backends=("numpy", "cupy"), requires=("torch",))(_deeponet_antiderivative)
    registry.check("mgtfno-patching-identity", component="sciml.operators",
                   description="multigrid patching followed by unpatching returns the input exactly",
                   backends=("numpy", "cupy"), requires=("torch", "neuralop"))(_mgtfno_patching)
    registry.check("tfno-darcy-32", component="sciml.operators",
                   description="a small TFNO learns Darcy flow at 32² in under a minute",
                   backends=("numpy", "cupy"), requires=("torch", "neuralop"))(_tfno_darcy)
