"""W6 and its variants (layer_workloads.SequenceWorkload) in each framework: Embedding ->
LSTM / GRU (last state) or one transformer encoder block -> Dense(1).

Keras's initial-weight scheme everywhere: Embedding and the position table uniform(-0.05,
0.05); Glorot-uniform input kernels, orthogonal recurrent kernels, zero biases, the LSTM's
forget-gate bias 1 (unit_forget_bias); attention projections Glorot-uniform over (model
width, heads x key_dim) as Keras 3's EinsumDense computes their fans; LayerNormalization
gamma 1, beta 0, epsilon 1e-3 (Keras's default; torch's is 1e-5). The GRU is Keras's
reset_after form (torch's nn.GRU computes the same). Gate orders are each framework's own.

Imports of the frameworks happen inside the builders: each runner imports only its own."""

from __future__ import annotations

import numpy as np

from .cnn_models import glorot, require_layers
from .training_job import keras_compile_args

LN_EPSILON = 1e-3
EMBED_LIMIT = 0.05
_LAYERS = {"lstm": ("Embedding", "LSTM", "Dense"), "gru": ("Embedding", "GRU", "Dense"),
           "transformer": ("Embedding", "MultiHeadAttention", "LayerNormalization", "Add",
                           "Dense", "GlobalAveragePooling1D")}


def _position_embedding(keras, w):
    """A layer adding a (seq_len, embed_dim) table, uniform(-0.05, 0.05): Embedding(seq_len,
    embed_dim) looked up at positions 0..seq_len-1 is that whole table, in order."""

    class PositionEmbedding(keras.layers.Layer):
        def build(self, input_shape):
            self.table = self.add_weight(
                shape=(w.seq_len, w.embed_dim), name="table",
                initializer=keras.initializers.RandomUniform(-EMBED_LIMIT, EMBED_LIMIT))

        def call(self, x):
            return x + self.table

    return PositionEmbedding()


def keras_sequence(keras, w, compile=True):
    """Functional model with any Keras-API module (fastkeras or Keras 3): Input int32
    (seq_len,) -> Embedding -> LSTM / GRU, or the transformer encoder block ->
    Dense(1, sigmoid)."""
    require_layers(keras, _LAYERS[w.cell], w)
    L = keras.layers
    ids = keras.Input(shape=(w.seq_len,), dtype="int32")
    h = L.Embedding(w.vocab, w.embed_dim)(ids)
    if w.cell == "lstm":
        h = L.LSTM(w.units)(h)
    elif w.cell == "gru":
        h = L.GRU(w.units)(h)
    else:
        h = _position_embedding(keras, w)(h)
        a = L.MultiHeadAttention(num_heads=w.heads, key_dim=w.key_dim)(h, h)
        h = L.LayerNormalization(epsilon=LN_EPSILON)(L.Add()([h, a]))
        f = L.Dense(w.embed_dim)(L.Dense(w.ff_dim, activation="relu")(h))
        h = L.LayerNormalization(epsilon=LN_EPSILON)(L.Add()([h, f]))
        h = L.GlobalAveragePooling1D()(h)
    model = keras.Model(ids, L.Dense(1, activation=w.out_activation)(h))
    if compile:
        model.compile(**keras_compile_args(keras, w))
    return model


def torch_sequence(torch, w, with_output_activation=False):
    """nn.Module(ids) -> logits (probabilities with with_output_activation): nn.Embedding,
    then nn.LSTM / nn.GRU (batch_first) or a hand-written encoder block (Linear
    projections, F.scaled_dot_product_attention, LayerNorm), then Linear."""
    nn, F = torch.nn, torch.nn.functional
    T, E = w.seq_len, w.embed_dim

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(w.vocab, E)
            nn.init.uniform_(self.emb.weight, -EMBED_LIMIT, EMBED_LIMIT)
            if w.cell == "transformer":
                inner = w.heads * w.key_dim
                self.pos = nn.Parameter(torch.empty(T, E).uniform_(-EMBED_LIMIT, EMBED_LIMIT))
                self.q, self.k, self.v = (nn.Linear(E, inner) for _ in "qkv")
                self.o = nn.Linear(inner, E)
                self.ff1, self.ff2 = nn.Linear(E, w.ff_dim), nn.Linear(w.ff_dim, E)
                self.ln1, self.ln2 = (nn.LayerNorm(E, eps=LN_EPSILON) for _ in "12")
            else:
                self.rnn = (nn.LSTM if w.cell == "lstm" else nn.GRU)(E, w.units,
                                                                     batch_first=True)
            self.out = nn.Linear(w.head_dim, 1)
            for name, p in self.named_parameters():
                if name.startswith("rnn.weight_hh"):
                    nn.init.orthogonal_(p)
                elif name.endswith("weight") and p.dim() == 2 and name != "emb.weight":
                    nn.init.xavier_uniform_(p)
                elif "bias" in name:
                    nn.init.zeros_(p)
            if w.cell == "lstm":   # Keras's unit_forget_bias: gate order i, f, g, o
                with torch.no_grad():
                    self.rnn.bias_ih_l0[w.units:2 * w.units] = 1.0

        def encode(self, h):
            B = h.shape[0]

            def split(t):   # (B, T, heads * key_dim) -> (B, heads, T, key_dim)
                return t.view(B, T, w.heads, w.key_dim).transpose(1, 2)

            h = h + self.pos
            a = F.scaled_dot_product_attention(split(self.q(h)), split(self.k(h)),
                                               split(self.v(h)))
            h = self.ln1(h + self.o(a.transpose(1, 2).reshape(B, T, -1)))
            h = self.ln2(h + self.ff2(F.relu(self.ff1(h))))
            return h.mean(dim=1)

        def forward(self, ids):
            h = self.emb(ids)
            if w.cell == "transformer":
                h = self.encode(h)
            else:
                _, state = self.rnn(h)
                h = (state[0] if w.cell == "lstm" else state)[-1]
            z = self.out(h)
            return torch.sigmoid(z) if with_output_activation else z

    return Sequence()


def orthogonal(rng, rows, cols):
    """Keras's Orthogonal(gain 1): Q of the QR of a normal matrix, signs fixed by R's
    diagonal, transposed when there are fewer rows than columns."""
    q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    q = q * np.sign(np.diag(r))
    return (q.T if rows < cols else q).astype(np.float32)


def jax_sequence_init(w, seed=0):
    """Parameters as a dict of jnp arrays with Keras's initialisers (module docstring)."""
    import jax.numpy as jnp
    rng = np.random.default_rng(seed)
    E = w.embed_dim
    p = {"emb": rng.uniform(-EMBED_LIMIT, EMBED_LIMIT, (w.vocab, E)).astype(np.float32)}

    def dense(a, b):
        return (glorot(rng, (a, b), a, b), np.zeros((b,), np.float32))

    if w.cell == "transformer":
        inner = w.heads * w.key_dim
        p["pos"] = rng.uniform(-EMBED_LIMIT, EMBED_LIMIT, (w.seq_len, E)).astype(np.float32)
        for name, (a, b) in (("q", (E, inner)), ("k", (E, inner)), ("v", (E, inner)),
                             ("o", (inner, E)), ("ff1", (E, w.ff_dim)), ("ff2", (w.ff_dim, E))):
            p[name] = dense(a, b)
        p["ln1"] = p["ln2"] = (np.ones((E,), np.float32), np.zeros((E,), np.float32))
    else:
        g = w.gates * w.units
        p["kernel"] = glorot(rng, (E, g), E, g)
        p["recurrent"] = orthogonal(rng, w.units, g)
        if w.cell == "lstm":    # Keras's gate order i, f, c, o; forget bias 1
            p["bias"] = np.zeros((g,), np.float32)
            p["bias"][w.units:2 * w.units] = 1.0
        else:                   # reset_after: input and recurrent biases, (2, 3u)
            p["bias"] = np.zeros((2, g), np.float32)
    p["out"] = dense(w.head_dim, 1)
    return _tree_to_jnp(jnp, p)


def _tree_to_jnp(jnp, p):
    if isinstance(p, dict):
        return {k: _tree_to_jnp(jnp, v) for k, v in p.items()}
    if isinstance(p, tuple):
        return tuple(_tree_to_jnp(jnp, v) for v in p)
    return jnp.asarray(p)


def _jax_recurrent(w, p, e):
    """Last hidden state: the input projection of every timestep as one matmul, then
    lax.scan over time with one recurrent matmul and the gates per step (Keras's LSTM,
    and GRU with reset_after)."""
    import jax
    import jax.numpy as jnp
    sig, tanh = jax.nn.sigmoid, jnp.tanh
    B, U = e.shape[0], w.units
    in_bias = p["bias"] if w.cell == "lstm" else p["bias"][0]
    xs = jnp.swapaxes(e @ p["kernel"] + in_bias, 0, 1)     # (T, B, gates * U)
    h0 = jnp.zeros((B, U), e.dtype)
    if w.cell == "lstm":
        def step(carry, xt):
            h, c = carry
            i, f, g, o = jnp.split(xt + h @ p["recurrent"], 4, axis=-1)
            c = sig(f) * c + sig(i) * tanh(g)
            return (sig(o) * tanh(c), c), None
        (h, _), _ = jax.lax.scan(step, (h0, h0), xs)
        return h

    def gru_step(h, xt):
        xz, xr, xh = jnp.split(xt, 3, axis=-1)
        rz, rr, rh = jnp.split(h @ p["recurrent"] + p["bias"][1], 3, axis=-1)
        z, r = sig(xz + rz), sig(xr + rr)
        return z * h + (1 - z) * tanh(xh + r * rh), None
    h, _ = jax.lax.scan(gru_step, h0, xs)
    return h


def _layer_norm(x, gamma_beta):
    import jax.numpy as jnp
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + LN_EPSILON) * gamma_beta[0] + gamma_beta[1]


def _jax_encoder(w, p, e):
    """The transformer block up to GlobalAveragePooling1D's output."""
    import jax
    import jax.numpy as jnp
    B, T, _ = e.shape

    def proj(h, name):
        k, b = p[name]
        return h @ k + b

    def split(t):
        return t.reshape(B, T, w.heads, w.key_dim)

    h = e + p["pos"]
    q = split(proj(h, "q")) / np.sqrt(w.key_dim)
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, split(proj(h, "k")))
    att = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(scores, axis=-1), split(proj(h, "v")))
    h = _layer_norm(h + proj(att.reshape(B, T, -1), "o"), p["ln1"])
    h = _layer_norm(h + proj(jax.nn.relu(proj(h, "ff1")), "ff2"), p["ln2"])
    return jnp.mean(h, axis=1)


def jax_sequence_logits(w, p, ids):
    """Forward pass on int ids up to the output logit (n, 1)."""
    import jax.numpy as jnp
    e = jnp.take(p["emb"], ids, axis=0)
    h = _jax_encoder(w, p, e) if w.cell == "transformer" else _jax_recurrent(w, p, e)
    k, b = p["out"]
    return h @ k + b
