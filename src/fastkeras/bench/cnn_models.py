"""W4's small CNN (layer_workloads.CnnWorkload) in each framework, with Keras's initial-weight
scheme everywhere: Glorot-uniform kernels (a conv's fans are kernel area x channels in /
out), zero biases.

Imports of the frameworks happen inside the builders: each runner imports only its own."""

from __future__ import annotations

import numpy as np

from .training_job import keras_compile_args

CNN_LAYERS = ("Conv2D", "MaxPooling2D", "Flatten", "Dense")


def require_layers(keras, names, w):
    """NotImplementedError naming every keras.layers.<name> the module lacks."""
    missing = [f"keras.layers.{n}" for n in names if not hasattr(keras.layers, n)]
    if missing:
        raise NotImplementedError(f"{keras.__name__} lacks {', '.join(missing)} "
                                  f"(the {w.id} model needs them)")


def keras_cnn(keras, w, compile=True):
    """Sequential Conv2D(f, k, relu) -> MaxPooling2D(p) per filter count, Flatten,
    Dense(classes, softmax) with any Keras-API module (fastkeras or Keras 3)."""
    require_layers(keras, CNN_LAYERS, w)
    L = keras.layers
    layers = [keras.Input(shape=w.image)]
    for f in w.filters:
        layers += [L.Conv2D(f, w.kernel, activation="relu"), L.MaxPooling2D(w.pool)]
    layers += [L.Flatten(), L.Dense(w.classes, activation=w.out_activation)]
    model = keras.Sequential(layers)
    if compile:
        model.compile(**keras_compile_args(keras, w))
    return model


def torch_cnn(torch, w, with_output_activation=False):
    """nn.Sequential of Conv2d+ReLU+MaxPool2d blocks, Flatten, Linear on NCHW input
    (torch_cnn_input); the output activation only with with_output_activation (training
    leaves it to CrossEntropyLoss)."""
    nn = torch.nn
    mods, cin = [], w.image[2]
    for f in w.filters:
        mods += [nn.Conv2d(cin, f, w.kernel), nn.ReLU(), nn.MaxPool2d(w.pool)]
        cin = f
    mods += [nn.Flatten(), nn.Linear(w.flat_dim, w.classes)]
    if with_output_activation:
        mods.append(nn.Softmax(dim=1))
    model = nn.Sequential(*mods)
    for m in model.modules():   # Keras's scheme; torch's own default is Kaiming-uniform
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def torch_cnn_input(torch, x):
    """NHWC numpy images -> a contiguous NCHW tensor, torch's native layout (once, before
    the timed epochs)."""
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def glorot(rng, shape, fan_in, fan_out):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, shape).astype(np.float32)


def jax_cnn_init(w, seed=0):
    """{"conv": [(HWIO kernel, bias)], "dense": (kernel, bias)} with Keras's initialisers."""
    import jax.numpy as jnp
    rng = np.random.default_rng(seed)
    conv, cin, area = [], w.image[2], w.kernel * w.kernel
    for f in w.filters:
        k = glorot(rng, (w.kernel, w.kernel, cin, f), area * cin, area * f)
        conv.append((jnp.asarray(k), jnp.zeros((f,), jnp.float32)))
        cin = f
    dense = (jnp.asarray(glorot(rng, (w.flat_dim, w.classes), w.flat_dim, w.classes)),
             jnp.zeros((w.classes,), jnp.float32))
    return {"conv": conv, "dense": dense}


def jax_cnn_logits(w, params, x):
    """Forward pass on NHWC images up to the logits: lax.conv_general_dilated ('VALID'),
    relu, lax.reduce_window max pooling, flatten, matmul."""
    import jax
    import jax.numpy as jnp
    h = x
    window = (1, w.pool, w.pool, 1)
    for k, b in params["conv"]:
        h = jax.lax.conv_general_dilated(h, k, (1, 1), "VALID",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(h + b)
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, window, window, "VALID")
    k, b = params["dense"]
    return h.reshape(h.shape[0], -1) @ k + b
