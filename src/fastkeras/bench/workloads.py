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
    def dims(self) -> tuple:
        """Layer widths from the input to the output: (in, hidden..., out)."""
        return (self.in_dim,) + self.hidden + (self.out_units,)

    @property
    def layers(self) -> list:
        """(fan_in, fan_out) of every Dense layer."""
        return list(zip(self.dims[:-1], self.dims[1:]))

    @property
    def forward_flops_per_sample(self) -> int:
        """Forward matmul FLOPs per sample (2 per multiply-add; bias and activations ignored)."""
        return 2 * sum(a * b for a, b in self.layers)

    @property
    def flops_per_sample(self) -> int:
        """Training FLOPs per sample: 3 x the forward matmul FLOPs (WORKLOADS.md's count)."""
        return 3 * self.forward_flops_per_sample

    @property
    def out_activation(self) -> str:
        return "sigmoid" if self.loss == "binary_crossentropy" else "softmax"

    def matmul_shapes(self, batch: int | None = None, training: bool = True) -> list:
        """(m, k, n, transpose) of every matmul of one step at `batch` rows.

        Training counts x@W, dZ@W^T and X^T@dZ for every layer, the first layer's input
        gradient included, so the FLOPs equal `flops_per_sample` x batch (frameworks may skip
        that one product, so the ceiling built from these shapes is slightly conservative).
        `transpose` names the operand passed as a transposed view ("", "b" or "a")."""
        b = batch or self.batch_size
        shapes = []
        for k, n in self.layers:
            shapes.append((b, k, n, ""))            # Z = X @ W
            if training:
                shapes.append((b, n, k, "b"))       # dX = dZ @ W^T
                shapes.append((k, b, n, "a"))       # dW = X^T @ dZ
        return shapes


@dataclass(frozen=True)
class InferenceWorkload:
    """W5: predict with an (untrained) training workload's model."""
    id: str
    model: str             # id of the training workload whose model is used
    latency_calls: int     # single-row calls timed for the latency
    batch_size: int        # rows of the one-batch throughput call


WORKLOADS = {
    "W1": Workload("W1", "tabular-small", 65536, 32, (64, 64), 1, "binary_crossentropy", 32),
    "W2": Workload("W2", "mnist-mlp", 60000, 784, (256, 256), 10,
                   "sparse_categorical_crossentropy", 128),
    "W3": Workload("W3", "wide-mlp", 32768, 1024, (2048, 2048), 10,
                   "sparse_categorical_crossentropy", 512),
}

INFERENCE = {"W5": InferenceWorkload("W5", "W2", 2000, 4096)}


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
