"""sciml: operators and tensors for computational science.

The package ``sciml`` holds the array backend (:mod:`sciml.backend`) and, in later
modules, the operator learners, data sets and the training loop.  Importing ``sciml``
does not import torch; the modules that build networks import it lazily.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
