"""The reference workloads of shared/WORKLOADS.md: data and model definitions shared by
every framework the harness measures."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .layer_workloads import LAYER_WORKLOADS


class _DenseStack:
    """FLOP counts and matmul shapes of a stack of Dense layers of widths `dims`."""

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
class AdamWCosine:
    """AdamW (Keras's defaults: beta_1 0.9, beta_2 0.999, epsilon 1e-7, weight_decay 0.004)
    on CosineDecay(initial_learning_rate, decay_steps, warmup_target, warmup_steps) with
    global_clipnorm: the training job's optimizer of issue [7]'s W2 variant."""
    warmup_steps: int
    decay_steps: int
    warmup_target: float = 1e-3
    initial_learning_rate: float = 0.0
    weight_decay: float = 0.004
    global_clipnorm: float = 1.0
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7

    def learning_rate(self, step: int) -> float:
        """Keras's CosineDecay with warmup (alpha 0) at optimizer step `step` (0 for the first
        update): linear from initial_learning_rate to warmup_target over warmup_steps, then
        half a cosine down to 0 over decay_steps, then 0."""
        step = min(step, self.warmup_steps + self.decay_steps)
        if step < self.warmup_steps:
            frac = step / self.warmup_steps
            return self.initial_learning_rate + (self.warmup_target
                                                 - self.initial_learning_rate) * frac
        frac = (step - self.warmup_steps) / self.decay_steps
        return self.warmup_target * 0.5 * (1.0 + math.cos(math.pi * frac))

    def __str__(self):
        return (f"AdamW(weight_decay={self.weight_decay}, global_clipnorm="
                f"{self.global_clipnorm}) on CosineDecay(warmup {self.warmup_steps} steps to "
                f"{self.warmup_target}, decay {self.decay_steps} steps)")


@dataclass(frozen=True)
class Workload(_DenseStack):
    """W1-W3: one float32 input through a Sequential Dense stack."""
    id: str
    name: str
    n_samples: int
    in_dim: int
    hidden: tuple          # hidden Dense widths (relu)
    out_units: int
    loss: str              # binary_crossentropy | sparse_categorical_crossentropy
    batch_size: int
    # fit's validation_split and the Keras callbacks attached (W1's variants of issue [6]):
    # such a workload runs only on frameworks with Keras's fit API (fastkeras, Keras).
    validation_split: float = 0.0
    callbacks: tuple = ()
    # A training job's optimizer and metrics (issue [7]'s W2 variant; every framework runs
    # it): None is Adam(1e-3) and the loss alone. metrics: "accuracy" and "top-5".
    optimizer: AdamWCosine | None = None
    metrics: tuple = ()
    # The workload this one is a variant of: the report prints each framework's variant
    # against its own base run.
    base: str = ""

    @property
    def keras_api_only(self) -> bool:
        return bool(self.validation_split or self.callbacks)

    def differences(self, other) -> list:
        """'field=value' for every setting of this workload that `other` lacks or sets
        otherwise (its id and base aside): what a variant adds to its base."""
        skip = {"id", "name", "base"}
        return [f"{f.name}={', '.join(map(str, v)) if isinstance(v, tuple) else v}"
                for f in dataclasses.fields(self)
                if f.name not in skip and (v := getattr(self, f.name)) != getattr(
                    other, f.name, None)]

    @property
    def dims(self) -> tuple:
        """Layer widths from the input to the output: (in, hidden..., out)."""
        return (self.in_dim,) + self.hidden + (self.out_units,)

    def make_data(self, n_samples: int | None = None):
        """float32 features from numpy seed 0; labels from a fixed random linear teacher."""
        n = n_samples or self.n_samples
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, self.in_dim), dtype=np.float32)
        teacher = rng.standard_normal((self.in_dim, max(self.out_units, 1))).astype(np.float32)
        logits = x @ teacher
        if self.loss == "binary_crossentropy":
            y = (logits[:, :1] > 0).astype(np.float32)
        else:
            y = np.argmax(logits, axis=1).astype(np.int32)
        return x, y


@dataclass(frozen=True)
class WideDeepWorkload(_DenseStack):
    """W7: a float input and an int categorical input; the categorical ids share one
    Embedding table (column j owns ids [j*vocab_per_col, (j+1)*vocab_per_col)), flattened and
    concatenated with the float input, then Dense(relu) -> BatchNormalization -> Dropout per
    hidden width and a Dense(1, sigmoid) output. Functional model, fit([x_num, x_cat], y).

    FLOPs count the Dense matmuls only (WORKLOADS.md): the embedding gather and its
    scatter-add gradient, BatchNormalization and Dropout are elementwise, memory bound."""
    id: str
    name: str
    n_samples: int
    num_dim: int           # float features
    cat_cols: int          # categorical columns
    vocab_per_col: int     # ids per column; the table has cat_cols * vocab_per_col rows
    embed_dim: int
    hidden: tuple          # hidden Dense widths, each followed by BatchNormalization, Dropout
    dropout: float
    batch_size: int
    loss: str = "binary_crossentropy"
    out_units: int = 1
    bn_momentum: float = 0.99   # Keras's BatchNormalization defaults
    bn_epsilon: float = 1e-3
    predict_rows: int = 4096    # after training: predict throughput, one call on this many rows

    @property
    def vocab(self) -> int:
        """Rows of the shared embedding table."""
        return self.cat_cols * self.vocab_per_col

    @property
    def concat_dim(self) -> int:
        """Width of Concatenate([num, Flatten(Embedding(cat))])."""
        return self.num_dim + self.cat_cols * self.embed_dim

    @property
    def dims(self) -> tuple:
        """Dense widths from the concatenation to the output: (concat, hidden..., out)."""
        return (self.concat_dim,) + self.hidden + (self.out_units,)

    def make_data(self, n_samples: int | None = None):
        """([x_num float32 (n, num_dim), x_cat int32 (n, cat_cols)], y float32 (n, 1)) from
        numpy seed 0. y = x_num @ t_num + sum_j t_cat[x_cat[:, j]] > 0, teacher t_num
        (num_dim,), t_cat (vocab,) standard normal, drawn first (the same for any n)."""
        n = n_samples or self.n_samples
        rng = np.random.default_rng(0)
        t_num = rng.standard_normal(self.num_dim).astype(np.float32)
        t_cat = rng.standard_normal(self.vocab).astype(np.float32)
        x_num = rng.standard_normal((n, self.num_dim), dtype=np.float32)
        offsets = np.arange(self.cat_cols, dtype=np.int32) * self.vocab_per_col
        x_cat = (rng.integers(0, self.vocab_per_col, (n, self.cat_cols), dtype=np.int32)
                 + offsets)
        logits = x_num @ t_num + t_cat[x_cat].sum(axis=1)
        y = (logits > 0).astype(np.float32)[:, None]
        return [x_num, x_cat], y


@dataclass(frozen=True)
class InferenceWorkload:
    """W5: predict with an (untrained) training workload's model."""
    id: str
    model: str             # id of the training workload whose model is used
    latency_calls: int     # single-row calls timed for the latency
    batch_size: int        # rows of the one-batch throughput call


_W1 = ("tabular-small", 65536, 32, (64, 64), 1, "binary_crossentropy", 32)
# The callbacks of a real training job (issue [6]): EarlyStopping, ModelCheckpoint (best
# only, .keras), CSVLogger, ReduceLROnPlateau; compared with W1 + validation alone.
_JOB_CALLBACKS = ("EarlyStopping", "ModelCheckpoint", "CSVLogger", "ReduceLROnPlateau")

_W2 = ("mnist-mlp", 60000, 784, (256, 256), 10, "sparse_categorical_crossentropy", 128)
# W2's training job (issue [7]): one epoch of warmup (ceil(60000 / 128) = 469 steps) to
# Adam's usual 1e-3, then a cosine over 9 more epochs (a 10-epoch job; a 3-epoch bench run
# times steps 469..1406, all in the decay branch but the first epoch).
_W2_STEPS_PER_EPOCH = 469
_W2_JOB = AdamWCosine(warmup_steps=_W2_STEPS_PER_EPOCH, decay_steps=9 * _W2_STEPS_PER_EPOCH)

WORKLOADS = {
    "W1": Workload("W1", *_W1),
    "W1VAL": Workload("W1VAL", *_W1, validation_split=0.1),
    "W1CB": Workload("W1CB", *_W1, validation_split=0.1, callbacks=_JOB_CALLBACKS,
                     base="W1VAL"),
    "W2": Workload("W2", *_W2),
    "W2OPT": Workload("W2OPT", *_W2, optimizer=_W2_JOB, metrics=("accuracy", "top-5"),
                      base="W2"),
    "W3": Workload("W3", "wide-mlp", 32768, 1024, (2048, 2048), 10,
                   "sparse_categorical_crossentropy", 512),
    "W7": WideDeepWorkload("W7", "tabular-wide-and-deep", 131072, num_dim=16, cat_cols=8,
                           vocab_per_col=1000, embed_dim=8, hidden=(256, 128), dropout=0.2,
                           batch_size=256),
}

# Issue [8]'s workloads: small CNN, Embedding -> LSTM / GRU / transformer (layer_workloads.py).
WORKLOADS.update(LAYER_WORKLOADS)

INFERENCE = {"W5": InferenceWorkload("W5", "W2", 2000, 4096)}


def predict_ceiling_id(wid: str) -> str:
    """Key of the matmul ceiling of the predict a training workload times after training
    (W7's)."""
    return f"{wid} predict"


def make_data(w, n_samples: int | None = None):
    """(x, y) of a training workload: numpy seed 0, labels from a fixed random teacher. x is
    one float32 array for a Dense-stack workload, [x_num, x_cat] for W7, images for W4,
    int32 token ids for W6 and its variants."""
    return w.make_data(n_samples)
