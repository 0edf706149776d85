"""One runner per framework: train a workload for a few epochs and time each epoch.

Every runner uses the same data, model, batch size and Adam settings (lr=1e-3,
beta_1=0.9, beta_2=0.999, eps=1e-7) and shuffles each epoch. Each is run in its own
process by the harness (`python -m fastkeras.bench.runners FRAMEWORK WORKLOAD ...`), so
frameworks never share threads or allocator state."""

from __future__ import annotations

import json
import sys
import time

from .workloads import WORKLOADS, make_data


def _keras_api(keras, w, epochs, n):
    """The workload with any Keras-API module (fastkeras or Keras 3): epoch times."""
    keras.utils.set_random_seed(0)
    x, y = make_data(w, n)
    layers = [keras.Input(shape=(w.in_dim,))]
    layers += [keras.layers.Dense(h, activation="relu") for h in w.hidden]
    layers.append(keras.layers.Dense(w.out_units, activation=w.out_activation))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=w.loss)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    model.fit(x, y, batch_size=w.batch_size, epochs=epochs, verbose=0, callbacks=[Timer()])
    return times


def _fastkeras(w, epochs, n, backend):
    import fastkeras as keras
    keras.config.set_backend(backend)
    return _keras_api(keras, w, epochs, n), f"fastkeras {keras.__version__} ({backend})"


def _keras(w, epochs, n):
    import os
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    return _keras_api(keras, w, epochs, n), f"keras {keras.__version__} ({keras.backend.backend()})"


def _torch(w, epochs, n):
    import torch
    torch.manual_seed(0)
    x_np, y_np = make_data(w, n)
    x = torch.from_numpy(x_np)
    dims = (w.in_dim,) + w.hidden
    mods = []
    for a, b in zip(dims[:-1], dims[1:]):
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    mods.append(torch.nn.Linear(dims[-1], w.out_units))
    model = torch.nn.Sequential(*mods)
    if w.loss == "binary_crossentropy":
        y = torch.from_numpy(y_np)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        y = torch.from_numpy(y_np).long()
        loss_fn = torch.nn.CrossEntropyLoss()
    try:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)
        setup = "fused Adam"
    except (RuntimeError, TypeError):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
        setup = "foreach Adam"
    times = []
    bs = w.batch_size
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(x))
        for lo in range(0, len(x), bs):
            idx = perm[lo:lo + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return times, f"torch {torch.__version__} (eager, logits loss, {setup})"


def _jax(w, epochs, n):
    import jax
    import jax.numpy as jnp
    import numpy as np
    x_np, y_np = make_data(w, n)
    dims = (w.in_dim,) + w.hidden + (w.out_units,)
    rng = np.random.default_rng(0)
    params = []
    for a, b in zip(dims[:-1], dims[1:]):
        lim = np.sqrt(6 / (a + b))
        params.append((jnp.asarray(rng.uniform(-lim, lim, (a, b)).astype(np.float32)),
                       jnp.zeros((b,), jnp.float32)))
    binary = w.loss == "binary_crossentropy"

    def loss_fn(p, xb, yb):
        h = xb
        for k, b in p[:-1]:
            h = jax.nn.relu(h @ k + b)
        logits = h @ p[-1][0] + p[-1][1]
        if binary:
            return jnp.mean(jax.nn.softplus(logits) - yb * logits)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1))

    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 1e-3

    def step(state, idx):
        p, m, v, t = state
        xb, yb = x[idx], y[idx]
        g = jax.grad(loss_fn)(p, xb, yb)
        t = t + 1
        alpha = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = jax.tree_util.tree_map(lambda m_, g_: m_ + (g_ - m_) * (1 - b1), m, g)
        v = jax.tree_util.tree_map(lambda v_, g_: v_ + (g_ * g_ - v_) * (1 - b2), v, g)
        p = jax.tree_util.tree_map(lambda p_, m_, v_: p_ - alpha * m_ / (jnp.sqrt(v_) + eps),
                                   p, m, v)
        return (p, m, v, t), None

    x, y = jnp.asarray(x_np), jnp.asarray(y_np)
    steps = len(x_np) // w.batch_size

    @jax.jit
    def epoch(state, key):
        perm = jax.random.permutation(key, len(x_np))[:steps * w.batch_size]
        state, _ = jax.lax.scan(step, state, perm.reshape(steps, w.batch_size))
        return state

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (params, zeros, zeros, jnp.float32(0))
    key = jax.random.PRNGKey(0)
    times = []
    for _ in range(epochs):
        key, sub = jax.random.split(key)
        t0 = time.perf_counter()
        state = epoch(state, sub)
        jax.block_until_ready(state)
        times.append(time.perf_counter() - t0)
    return times, f"jax {jax.__version__} (hand-written jit, lax.scan epoch, drops ragged batch)"


RUNNERS = {"keras": _keras, "torch": _torch, "jax": _jax}


def run(framework, workload_id, epochs, n_samples=None):
    w = WORKLOADS[workload_id]
    if framework.startswith("fastkeras:"):
        times, label = _fastkeras(w, epochs, n_samples, framework.split(":", 1)[1])
    else:
        times, label = RUNNERS[framework](w, epochs, n_samples)
    return {"framework": framework, "label": label, "workload": workload_id,
            "n_samples": n_samples or w.n_samples, "epoch_times": times}


if __name__ == "__main__":
    fw, wid, ep = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != "0" else None
    print("RESULT " + json.dumps(run(fw, wid, ep, n)))
