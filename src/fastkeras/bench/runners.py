"""One runner per framework: train a workload for a few epochs and time each epoch.

Every runner uses the same data, model, batch size and Adam settings (lr=1e-3,
beta_1=0.9, beta_2=0.999, eps=1e-7) and shuffles each epoch. Each is run in its own
process by the harness (`python -m fastkeras.bench.runners FRAMEWORK WORKLOAD ...`), so
frameworks never share threads or allocator state."""

from __future__ import annotations

import json
import sys
import time

from .models import jax_logits, jax_params, keras_model, torch_model
from .workloads import WORKLOADS, make_data


def _keras_api(keras, w, epochs, n):
    """The workload with any Keras-API module (fastkeras or Keras 3): epoch times."""
    keras.utils.set_random_seed(0)
    x, y = make_data(w, n)
    model = keras_model(keras, w)
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
    model = torch_model(torch, w)
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
    x_np, y_np = make_data(w, n)
    params = jax_params(w)
    binary = w.loss == "binary_crossentropy"

    def loss_fn(p, xb, yb):
        logits = jax_logits(p, xb)
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
    label = f"jax {jax.__version__} (hand-written jit, lax.scan epoch, drops the ragged batch)"
    return times, label, steps * w.batch_size


RUNNERS = {"keras": _keras, "torch": _torch, "jax": _jax}


def thread_info(framework):
    """How many threads the framework computes with (read after it ran, in its process)."""
    import os
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "MKL_NUM_THREADS",
             "XLA_FLAGS")
    info = {k: os.environ[k] for k in names if k in os.environ}
    if hasattr(os, "sched_getaffinity"):
        info["cpus"] = len(os.sched_getaffinity(0))
    if framework == "torch":
        import torch
        info["intra_op"] = torch.get_num_threads()
        info["inter_op"] = torch.get_num_interop_threads()
    elif framework in ("jax", "keras") and "jax" in sys.modules:
        import jax
        info["jax_devices"] = [str(d) for d in jax.devices()]
    elif framework.startswith("fastkeras:"):
        from .. import config
        if hasattr(config, "get_num_threads"):
            info["fastkeras"] = config.get_num_threads()
        if framework.endswith(":numba"):
            import numba
            info["numba"] = numba.get_num_threads()
    return info


def run(framework, workload_id, epochs, n_samples=None):
    w = WORKLOADS[workload_id]
    # At least one full batch, so every framework runs the same steps.
    n = max(n_samples or w.n_samples, w.batch_size)
    if framework.startswith("fastkeras:"):
        out = _fastkeras(w, epochs, n, framework.split(":", 1)[1])
    else:
        out = RUNNERS[framework](w, epochs, n)
    times, label = out[:2]
    trained = out[2] if len(out) > 2 else n
    return {"framework": framework, "label": label, "workload": workload_id,
            "n_samples": trained, "epoch_times": times, "threads": thread_info(framework)}


if __name__ == "__main__":
    fw, wid, ep = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != "0" else None
    print("RESULT " + json.dumps(run(fw, wid, ep, n)))
