"""The workload MLP in each framework, built the same way for training and inference.

Imports of the frameworks happen inside the builders: each runs in its own process and
only imports the framework it measures."""

from __future__ import annotations

import numpy as np


def keras_model(keras, w, compile=True):
    """Sequential Dense stack with any Keras-API module (fastkeras or Keras 3)."""
    layers = [keras.Input(shape=(w.in_dim,))]
    layers += [keras.layers.Dense(h, activation="relu") for h in w.hidden]
    layers.append(keras.layers.Dense(w.out_units, activation=w.out_activation))
    model = keras.Sequential(layers)
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=w.loss)
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
