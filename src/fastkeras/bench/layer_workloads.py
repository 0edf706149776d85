"""The workloads of issue [8] (shared/WORKLOADS.md W4, W6, and W6's GRU and transformer
variants): models built of layers beyond Dense, each with its FLOP and byte counts.

FLOPs count the matmuls only, as WORKLOADS.md does for W1-W3 (2 per multiply-add; pooling,
activations, gates, softmax and LayerNormalization are elementwise): a convolution is its
im2col GEMM (output pixels x kernel*channels_in x filters), a recurrent layer its input
projection over all timesteps plus one recurrent GEMM per step, attention its projections
and the two batched products per head. Training = 3 x forward (x@W, dZ@W^T, X^T@dZ of every
GEMM, the first layer's input gradient included, so the count is slightly conservative).

Bytes per training sample are a floor on memory traffic that assumes no tensor stays in
cache from one layer to the next: the sample's input and label once, every forward output
4 times (written forward, read back by the backward pass, its gradient written and read),
and Adam's 7 float32 streams per parameter (read p, g, m, v; write p, m, v) once per step,
shared by the batch's samples."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_F32 = 4
_ADAM_STREAMS = 7          # Adam reads param, grad, m, v and writes param, m, v


@dataclass(frozen=True)
class Gemm:
    """One forward matmul per sample: (rows x k) @ (k x n), `rows` rows per sample,
    `calls` sequential calls per step (a recurrent layer's timesteps), `heads` independent
    products per sample (attention heads: one batched matmul)."""
    rows: int
    k: int
    n: int
    calls: int = 1
    heads: int = 1

    @property
    def flops(self) -> int:
        return 2 * self.rows * self.k * self.n * self.calls * self.heads


class _LayerGraph:
    """Counts shared by the workloads below; subclasses give `gemms()`,
    `activation_floats()`, `param_count`, `sample_bytes` and `make_data`."""

    @property
    def forward_flops_per_sample(self) -> int:
        return sum(g.flops for g in self.gemms())

    @property
    def flops_per_sample(self) -> int:
        """Training FLOPs per sample: 3 x forward (module docstring)."""
        return 3 * self.forward_flops_per_sample

    @property
    def activation_bytes_per_sample(self) -> int:
        """float32 bytes of every layer's forward output for one sample."""
        return _F32 * sum(self.activation_floats())

    def bytes_per_sample(self, batch: int | None = None) -> int:
        """Training memory-traffic floor per sample at `batch` rows (module docstring)."""
        b = batch or self.batch_size
        return (self.sample_bytes + 4 * self.activation_bytes_per_sample
                + _ADAM_STREAMS * _F32 * self.param_count // b)

    @property
    def out_activation(self) -> str:
        return "sigmoid" if self.loss == "binary_crossentropy" else "softmax"

    def matmul_shapes(self, batch: int | None = None, training: bool = True) -> list:
        """[m, k, n, transpose, calls, heads] of every matmul of one step at `batch` rows,
        as ceiling.py times them (`heads` > 1: one batched matmul over that many
        products of each sample; `calls` sequential repeats)."""
        b = batch or self.batch_size
        shapes = []
        for g in self.gemms():
            # Per-head products are batched over the batch's samples too.
            m, reps = (g.rows, b * g.heads) if g.heads > 1 else (g.rows * b, 1)
            shapes.append([m, g.k, g.n, "", g.calls, reps])
            if training:
                shapes.append([m, g.n, g.k, "b", g.calls, reps])
                shapes.append([g.k, m, g.n, "a", g.calls, reps])
        return shapes


@dataclass(frozen=True)
class CnnWorkload(_LayerGraph):
    """W4: images through Conv2D(f, k, relu) -> MaxPooling2D(p) per filter count ('valid'
    padding, stride 1), Flatten, Dense(classes, softmax); labels from a random linear
    teacher on the pixels."""
    id: str
    name: str
    n_samples: int
    image: tuple           # (height, width, channels), channels_last
    filters: tuple
    kernel: int
    pool: int
    classes: int
    batch_size: int
    loss: str = "sparse_categorical_crossentropy"
    latency_calls: int = 500   # one-row predict calls timed after training

    def feature_maps(self) -> list:
        """[(conv output (h, w, f), pooled output (h, w, f))] of every conv block."""
        h, w, _ = self.image
        maps = []
        for f in self.filters:
            h, w = h - self.kernel + 1, w - self.kernel + 1
            conv = (h, w, f)
            h, w = h // self.pool, w // self.pool
            maps.append((conv, (h, w, f)))
        return maps

    @property
    def flat_dim(self) -> int:
        return int(np.prod(self.feature_maps()[-1][1]))

    def gemms(self) -> list:
        out, cin = [], self.image[2]
        for (h, w, f), _ in self.feature_maps():
            out.append(Gemm(h * w, self.kernel * self.kernel * cin, f))
            cin = f
        out.append(Gemm(1, self.flat_dim, self.classes))
        return out

    def activation_floats(self) -> list:
        floats = []
        for conv, pooled in self.feature_maps():
            floats += [int(np.prod(conv)), int(np.prod(pooled))]
        return floats + [self.classes]

    @property
    def param_count(self) -> int:
        n, cin = 0, self.image[2]
        for f in self.filters:
            n += self.kernel * self.kernel * cin * f + f
            cin = f
        return n + self.flat_dim * self.classes + self.classes

    @property
    def sample_bytes(self) -> int:
        return _F32 * int(np.prod(self.image)) + 4     # float32 pixels, int32 label

    def make_data(self, n_samples: int | None = None):
        """x float32 (n, h, w, c) standard normal, y int32 (n,) = argmax of the flattened
        pixels times a (h*w*c, classes) teacher; teacher drawn first from numpy seed 0 (the
        same for any n)."""
        n = n_samples or self.n_samples
        rng = np.random.default_rng(0)
        pixels = int(np.prod(self.image))
        teacher = rng.standard_normal((pixels, self.classes)).astype(np.float32)
        x = rng.standard_normal((n,) + tuple(self.image), dtype=np.float32)
        y = np.argmax(x.reshape(n, pixels) @ teacher, axis=1).astype(np.int32)
        return x, y


SEQUENCE_CELLS = ("lstm", "gru", "transformer")


@dataclass(frozen=True)
class SequenceWorkload(_LayerGraph):
    """W6 and its variants: int token ids through Embedding(vocab, embed_dim), then
    LSTM(units) or GRU(units) (last state), or the transformer block (position embedding
    added, MultiHeadAttention(heads, key_dim) + residual + LayerNormalization, Dense(ff,
    relu) -> Dense(embed_dim) + residual + LayerNormalization, GlobalAveragePooling1D);
    Dense(1, sigmoid). Labels from a per-token teacher: y = sum_t teacher[x_t] > 0."""
    id: str
    name: str
    n_samples: int
    seq_len: int
    vocab: int
    embed_dim: int
    cell: str              # one of SEQUENCE_CELLS
    units: int             # recurrent units (lstm, gru)
    batch_size: int
    heads: int = 2         # transformer only
    key_dim: int = 32
    ff_dim: int = 64
    loss: str = "binary_crossentropy"
    latency_calls: int = 500

    def __post_init__(self):
        if self.cell not in SEQUENCE_CELLS:
            raise ValueError(f"Unknown sequence cell {self.cell!r}: expected one of "
                             f"{SEQUENCE_CELLS}")

    @property
    def gates(self) -> int:
        return {"lstm": 4, "gru": 3}.get(self.cell, 0)

    @property
    def head_dim(self) -> int:
        """Width fed to the output Dense."""
        return self.embed_dim if self.cell == "transformer" else self.units

    def gemms(self) -> list:
        T, E = self.seq_len, self.embed_dim
        if self.cell != "transformer":
            g = self.gates * self.units
            # Input projection of every timestep, then one recurrent product per step.
            body = [Gemm(T, E, g), Gemm(1, self.units, g, calls=T)]
        else:
            inner = self.heads * self.key_dim
            body = [Gemm(T, E, inner) for _ in "qkv"]
            body += [Gemm(T, self.key_dim, T, heads=self.heads),     # scores q @ k^T
                     Gemm(T, T, self.key_dim, heads=self.heads),     # weights @ v
                     Gemm(T, inner, E),                              # output projection
                     Gemm(T, E, self.ff_dim), Gemm(T, self.ff_dim, E)]
        return body + [Gemm(1, self.head_dim, 1)]

    def activation_floats(self) -> list:
        T, E = self.seq_len, self.embed_dim
        if self.cell != "transformer":
            g, u = self.gates * self.units, self.units
            # embeddings, projected inputs, per-step gates and states (c too for LSTM), out
            states = 2 if self.cell == "lstm" else 1
            return [T * E, T * g, T * g, T * u * states, 1]
        inner = self.heads * self.key_dim
        return ([T * E, T * E]                                 # embeddings, + positions
                + [T * inner] * 3                              # q, k, v
                + [self.heads * T * T] * 2                     # scores, softmax
                + [T * inner, T * E, T * E, T * E]             # attended, proj, add, norm
                + [T * self.ff_dim, T * E, T * E, T * E]       # ff, ff out, add, norm
                + [E, 1])                                      # pooled, out

    @property
    def param_count(self) -> int:
        E, u = self.embed_dim, self.units
        n = self.vocab * E + self.head_dim + 1
        if self.cell == "lstm":
            return n + 4 * u * (E + u) + 4 * u
        if self.cell == "gru":                       # reset_after: bias (2, 3u)
            return n + 3 * u * (E + u) + 2 * 3 * u
        inner = self.heads * self.key_dim
        return (n + self.seq_len * E                 # position table
                + 3 * (E * inner + inner) + inner * E + E     # q, k, v, output
                + 2 * 2 * E                                   # two LayerNormalizations
                + E * self.ff_dim + self.ff_dim + self.ff_dim * E + E)

    @property
    def sample_bytes(self) -> int:
        return 4 * self.seq_len + _F32             # int32 ids, float32 label

    def make_data(self, n_samples: int | None = None):
        """x int32 (n, seq_len) ids in [1, vocab), y float32 (n, 1) = sum_t teacher[x_t] >
        0 with teacher (vocab,) standard normal drawn first from numpy seed 0 (the same
        for any n)."""
        n = n_samples or self.n_samples
        rng = np.random.default_rng(0)
        teacher = rng.standard_normal(self.vocab).astype(np.float32)
        x = rng.integers(1, self.vocab, (n, self.seq_len), dtype=np.int32)
        y = (teacher[x].sum(axis=1) > 0).astype(np.float32)[:, None]
        return x, y


_W6 = dict(name="sequence", n_samples=8192, seq_len=80, vocab=10000, embed_dim=64, units=64,
           batch_size=64)

LAYER_WORKLOADS = {
    "W4": CnnWorkload("W4", "small-cnn", 16384, image=(28, 28, 1), filters=(32, 64),
                      kernel=3, pool=2, classes=10, batch_size=128),
    "W6": SequenceWorkload("W6", cell="lstm", **_W6),
    "W6GRU": SequenceWorkload("W6GRU", cell="gru", **_W6),
    "W6TF": SequenceWorkload("W6TF", cell="transformer", **_W6),
}
