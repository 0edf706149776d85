"""The workload MLP in each framework, built the same way for training and inference, and
every training workload's builders by type (model_family: cnn_models.py, sequence_models.py).

Imports of the frameworks happen inside the builders: each runs in its own process and
only imports the framework it measures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .cnn_models import jax_cnn_init, jax_cnn_logits, keras_cnn, torch_cnn, torch_cnn_input
from .layer_workloads import CnnWorkload, SequenceWorkload
from .sequence_models import (jax_sequence_init, jax_sequence_logits, keras_sequence,
                              torch_sequence)
from .training_job import keras_compile_args


def keras_model(keras, w, compile=True):
    """Sequential Dense stack with any Keras-API module (fastkeras or Keras 3), compiled
    with the workload's optimizer and metrics (training_job.py)."""
    layers = [keras.Input(shape=(w.in_dim,))]
    layers += [keras.layers.Dense(h, activation="relu") for h in w.hidden]
    layers.append(keras.layers.Dense(w.out_units, activation=w.out_activation))
    model = keras.Sequential(layers)
    if compile:
        model.compile(**keras_compile_args(keras, w))
    return model


def torch_model(torch, w, with_output_activation=False):
    """nn.Sequential of Linear+ReLU; training leaves the output activation to the logits
    loss (BCEWithLogits / CrossEntropy), inference appends it."""
    mods = []
    for a, b in w.layers[:-1]:
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    mods.append(torch.nn.Linear(*w.layers[-1]))
    if with_output_activation:
        mods.append(torch.nn.Sigmoid() if w.out_activation == "sigmoid"
                    else torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*mods)


def jax_params(w, seed=0):
    """[(kernel, bias)] with Glorot-uniform kernels and zero biases (Keras's defaults)."""
    import jax.numpy as jnp
    rng = np.random.default_rng(seed)
    params = []
    for a, b in w.layers:
        lim = np.sqrt(6 / (a + b))
        params.append((jnp.asarray(rng.uniform(-lim, lim, (a, b)).astype(np.float32)),
                       jnp.zeros((b,), jnp.float32)))
    return params


def jax_logits(params, x):
    """Forward pass up to the output logits."""
    import jax
    h = x
    for k, b in params[:-1]:
        h = jax.nn.relu(h @ k + b)
    return h @ params[-1][0] + params[-1][1]


# W7 (tabular wide-and-deep): WideDeepWorkload.

WIDE_DEEP_LAYERS = ("Embedding", "Flatten", "Concatenate", "Dense", "BatchNormalization",
                    "Dropout")


def keras_wide_deep(keras, w, compile=True):
    """Functional model with any Keras-API module: Input num (num_dim,), Input cat (cat_cols,)
    int32; Embedding(vocab, embed_dim)(cat) -> Flatten; Concatenate([num, emb]) -> per hidden
    width Dense(relu) -> BatchNormalization -> Dropout; Dense(1, sigmoid)."""
    missing = [f"keras.layers.{n}" for n in WIDE_DEEP_LAYERS if not hasattr(keras.layers, n)]
    missing += [f"keras.{n}" for n in ("Input", "Model") if not hasattr(keras, n)]
    if missing:
        raise NotImplementedError(f"{keras.__name__} lacks {', '.join(missing)} "
                                  f"(the {w.id} model needs them)")
    L = keras.layers
    num = keras.Input(shape=(w.num_dim,), name="num")
    cat = keras.Input(shape=(w.cat_cols,), dtype="int32", name="cat")
    emb = L.Flatten()(L.Embedding(w.vocab, w.embed_dim)(cat))
    h = L.Concatenate()([num, emb])
    for units in w.hidden:
        h = L.Dense(units, activation="relu")(h)
        h = L.BatchNormalization(momentum=w.bn_momentum, epsilon=w.bn_epsilon)(h)
        h = L.Dropout(w.dropout)(h)
    out = L.Dense(w.out_units, activation=w.out_activation)(h)
    model = keras.Model([num, cat], out)
    if compile:
        model.compile(**keras_compile_args(keras, w))
    return model


def torch_wide_deep(torch, w, with_output_activation=False):
    """nn.Module(x_num, x_cat) -> logits (or probabilities with with_output_activation):
    nn.Embedding, BatchNorm1d with Keras's momentum and epsilon (torch's momentum is the
    weight of the new batch: 1 - 0.99), Dropout. torch's default initialisers but for the
    table: Keras's uniform(-0.05, 0.05), not torch's N(0, 1), under which the random part of
    the embeddings swamps the learned one (3 epochs: loss 0.42 and accuracy 0.82 against
    0.10 and 0.98)."""
    nn = torch.nn

    class WideDeep(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(w.vocab, w.embed_dim)
            nn.init.uniform_(self.emb.weight, -0.05, 0.05)
            mods, a = [], w.concat_dim
            for units in w.hidden:
                mods += [nn.Linear(a, units), nn.ReLU(),
                         nn.BatchNorm1d(units, momentum=1 - w.bn_momentum, eps=w.bn_epsilon),
                         nn.Dropout(w.dropout)]
                a = units
            mods.append(nn.Linear(a, w.out_units))
            if with_output_activation:
                mods.append(nn.Sigmoid())
            self.mlp = nn.Sequential(*mods)

        def forward(self, x_num, x_cat):
            return self.mlp(torch.cat([x_num, self.emb(x_cat).flatten(1)], dim=1))

    return WideDeep()


def jax_wide_deep_init(w, seed=0):
    """(params, stats): params {"emb", "dense": [(kernel, bias)], "bn": [(gamma, beta)]} with
    Keras's default initialisers (Embedding uniform(-0.05, 0.05), Glorot-uniform kernels, zero
    biases, gamma 1, beta 0); stats [(moving_mean 0, moving_variance 1)] per hidden width."""
    import jax.numpy as jnp
    rng = np.random.default_rng(seed)
    emb = rng.uniform(-0.05, 0.05, (w.vocab, w.embed_dim)).astype(np.float32)
    dense = []
    for a, b in w.layers:
        lim = np.sqrt(6 / (a + b))
        dense.append((jnp.asarray(rng.uniform(-lim, lim, (a, b)).astype(np.float32)),
                      jnp.zeros((b,), jnp.float32)))
    bn = [(jnp.ones((u,), jnp.float32), jnp.zeros((u,), jnp.float32)) for u in w.hidden]
    stats = [(jnp.zeros((u,), jnp.float32), jnp.ones((u,), jnp.float32)) for u in w.hidden]
    return {"emb": jnp.asarray(emb), "dense": dense, "bn": bn}, stats


def jax_wide_deep_logits(w, params, stats, x_num, x_cat, key=None):
    """Forward pass up to the output logits; returns (logits, stats).

    Training (key given): BatchNormalization normalises with the batch's mean and (biased)
    variance and moves the stats as Keras does (new = m * old + (1 - m) * batch), Dropout
    zeroes with jax.random and scales by 1 / (1 - rate). Inference (key None): the moving
    stats, no dropout; the stats come back unchanged."""
    import jax
    import jax.numpy as jnp
    e = jnp.take(params["emb"], x_cat, axis=0).reshape(x_cat.shape[0], -1)
    h = jnp.concatenate([x_num, e], axis=1)
    m, keep = w.bn_momentum, 1.0 - w.dropout
    keys = jax.random.split(key, len(w.hidden)) if key is not None else None
    new_stats = []
    for i, ((k, b), (gamma, beta), (mean, var)) in enumerate(
            zip(params["dense"][:-1], params["bn"], stats)):
        h = jax.nn.relu(h @ k + b)
        if key is not None:
            bmean, bvar = jnp.mean(h, axis=0), jnp.var(h, axis=0)
            h = (h - bmean) * jax.lax.rsqrt(bvar + w.bn_epsilon) * gamma + beta
            new_stats.append((m * mean + (1 - m) * jax.lax.stop_gradient(bmean),
                              m * var + (1 - m) * jax.lax.stop_gradient(bvar)))
            mask = jax.random.bernoulli(keys[i], keep, h.shape)
            h = jnp.where(mask, h / keep, 0.0)
        else:
            h = (h - mean) * jax.lax.rsqrt(var + w.bn_epsilon) * gamma + beta
            new_stats.append((mean, var))
    k, b = params["dense"][-1]
    return h @ k + b, new_stats


# Every training workload's model in each framework, for the runners (W7 has its own loop).

@dataclass(frozen=True)
class ModelFamily:
    """A workload's builders: keras(keras, w, compile=True) -> compiled model;
    torch(torch, w, with_output_activation=False) -> nn.Module; torch_input(torch, x) -> the
    module's input tensor; jax_init(w) -> params; jax_logits(w, params, x) -> logits."""
    keras: Callable
    torch: Callable
    jax_init: Callable
    jax_logits: Callable
    torch_input: Callable = lambda torch, x: torch.from_numpy(x)


_DENSE = ModelFamily(keras_model, torch_model, lambda w: jax_params(w),
                     lambda w, p, x: jax_logits(p, x))
_CNN = ModelFamily(keras_cnn, torch_cnn, jax_cnn_init, jax_cnn_logits, torch_cnn_input)
_SEQUENCE = ModelFamily(keras_sequence, torch_sequence, jax_sequence_init,
                        jax_sequence_logits)


def model_family(w) -> ModelFamily:
    if isinstance(w, CnnWorkload):
        return _CNN
    if isinstance(w, SequenceWorkload):
        return _SEQUENCE
    return _DENSE
