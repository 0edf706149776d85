"""The reference workloads of shared/WORKLOADS.md: data and model definitions shared by
every framework the harness measures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Workload:
    id: str
    name: str
    n_samples: int
    in_dim: int
    hidden: tuple          # hidden Dense widths (relu)
    out_units: int
    loss: str              # binary_crossentropy | sparse_categorical_crossentropy
    batch_size: int

    @property
    def flops_per_sample(self) -> int:
        """Training FLOPs per sample: 3 x the forward matmul FLOPs."""
        dims = (self.in_dim,) + self.hidden + (self.out_units,)
        return 3 * 2 * sum(a * b for a, b in zip(dims[:-1], dims[1:]))

    @property
    def out_activation(self) -> str:
        return "sigmoid" if self.loss == "binary_crossentropy" else "softmax"


WORKLOADS = {
    "W1": Workload("W1", "tabular-small", 65536, 32, (64, 64), 1, "binary_crossentropy", 32),
    "W2": Workload("W2", "mnist-mlp", 60000, 784, (256, 256), 10,
                   "sparse_categorical_crossentropy", 128),
    "W3": Workload("W3", "wide-mlp", 32768, 1024, (2048, 2048), 10,
                   "sparse_categorical_crossentropy", 512),
}


def make_data(w: Workload, n_samples: int | None = None):
    """float32 features from numpy seed 0; labels from a fixed random linear teacher."""
    n = n_samples or w.n_samples
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, w.in_dim), dtype=np.float32)
    teacher = rng.standard_normal((w.in_dim, max(w.out_units, 1))).astype(np.float32)
    logits = x @ teacher
    if w.loss == "binary_crossentropy":
        y = (logits[:, :1] > 0).astype(np.float32)
    else:
        y = np.argmax(logits, axis=1).astype(np.int32)
    return x, y
