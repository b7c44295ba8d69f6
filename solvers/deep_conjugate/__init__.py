"""The deep conjugate direction method (DCDM): the iteration, its network, training and the
shipped models, in one subpackage.

* :func:`dcdm` — the iteration (:mod:`.iteration`), with coarse-grid network applications
  (:mod:`.coarse`: :func:`network_directions`, :func:`coarse_levels_for`);
* :class:`DCDMNet` — the fully convolutional network (:mod:`.network`, torch);
* :mod:`.training` — Ritz training vectors, the residual loss, :func:`~.training.train_dcdm`;
* :func:`load_pretrained` — the shipped 2D/3D models (:mod:`.pretrained`), each with its
  :class:`ModelMetadata` (:mod:`.metadata`: training envelope, recipe hash, suite figures;
  :class:`EnvelopeWarning` when a solve leaves the envelope);
* :class:`DCDMSolver` — ``make_solver(A, "dcdm", model=...)`` (:mod:`.linear_method`, registered on import);
* :func:`npsdo` / :class:`NPSDOSolver` — the anchor's preconditioned steepest descent with
  orthogonalisation, ``make_solver(A, "npsdo", model=...)`` (:mod:`.npsdo`);
* :func:`random_domain` — random geometries and boundary mixes (:mod:`.random_domains`).

This subpackage sits above :mod:`solvers`' numerics (it uses their operators and Krylov helpers,
never the other way round).  Importing it does not import torch: the network module is imported
when a model is built or loaded.
"""

from .coarse import coarse_levels_for, network_directions
from .geometry_input import CELL_TYPE_CHANNELS, cell_types, grid_stencil
from .iteration import DCDMInfo, dcdm
from .linear_method import DCDMSolver  # registers make_solver(..., method="dcdm")
from .metadata import EnvelopeWarning, ModelMetadata, model_metadata
from .npsdo import NPSDOSolver, npsdo  # registers make_solver(..., method="npsdo")
from .pretrained import PRETRAINED, load_pretrained
from .random_domains import random_domain

__all__ = ["CELL_TYPE_CHANNELS", "PRETRAINED", "DCDMInfo", "DCDMSolver", "EnvelopeWarning", "ModelMetadata",
           "NPSDOSolver", "cell_types", "coarse_levels_for", "dcdm", "grid_stencil", "load_pretrained",
           "model_metadata", "network_directions", "npsdo", "random_domain"]
