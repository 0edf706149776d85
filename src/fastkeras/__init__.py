"""fastkeras: a Keras 3-compatible deep-learning library with its own native kernels.

    import fastkeras as keras
"""

__version__ = "0.1.0"

from . import (activations, backend, backends, callbacks, config, datasets, dtype_policies,
               initializers, layers, losses, metrics, mixed_precision, models, ops,
               optimizers, random, saving, utils)
from .graph import Variable
from .layers import Input, InputSpec, Layer
from .models import Model, Sequential
from .trainers.tape import GradientTape

__all__ = ["GradientTape", "Input", "InputSpec", "Layer", "Model", "Sequential", "Variable",
           "activations", "backend", "backends", "callbacks", "config", "datasets",
           "dtype_policies", "initializers", "layers", "losses", "metrics", "mixed_precision",
           "models", "ops", "optimizers", "random", "saving", "utils",
           "__version__"]
