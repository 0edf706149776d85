"""One runner per framework: train a workload for a few epochs and time each epoch.

Every runner uses the same data, model, batch size and Adam settings (lr=1e-3,
beta_1=0.9, beta_2=0.999, eps=1e-7) and shuffles each epoch. Each is run in its own
process by the harness (`python -m fastkeras.bench.runners FRAMEWORK WORKLOAD EPOCHS
[SAMPLES] [--check]`), so frameworks never share threads or allocator state.

W7 (WideDeepWorkload) trains on whole batches only and, after the timed epochs, times one
predict call on `make_data(w, predict_rows)`'s inputs with the trained model (inference.py's
`_throughput`), under "predict" in the result. `--check` adds "check": the final epoch's
mean training loss and the accuracy on the training data (inference mode), to see that a
framework learns; it costs time outside the timed epochs (and, for torch, reading each
step's loss), so the harness does not ask for it."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time

import numpy as np

from .models import (jax_logits, jax_params, jax_wide_deep_init, jax_wide_deep_logits,
                     keras_model, keras_wide_deep, torch_model, torch_wide_deep)
from .workloads import WORKLOADS, WideDeepWorkload, make_data


from .timing import thread_info, throughput as _predict_throughput


def _accuracy(p, y):
    return float(((np.asarray(p).reshape(-1) > 0.5) == (y.reshape(-1) > 0.5)).mean())


def _keras_api(keras, w, epochs, n, check=False):
    """The workload with any Keras-API module (fastkeras or Keras 3): epoch times (and for
    W7 the predict throughput and --check's numbers)."""
    keras.utils.set_random_seed(0)
    x, y = make_data(w, n)
    wide_deep = isinstance(w, WideDeepWorkload)
    model = keras_wide_deep(keras, w) if wide_deep else keras_model(keras, w)
    times = []

    class Timer(keras.callbacks.Callback):
        """Each epoch from the end of the one before (the first from fit's start), after
        the callbacks listed before it: their end-of-epoch work (a checkpoint) counts."""
        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            times.append(now - self.t0)
            self.t0 = now

    with tempfile.TemporaryDirectory() as scratch:
        history = model.fit(x, y, batch_size=w.batch_size, epochs=epochs, verbose=0,
                            validation_split=getattr(w, "validation_split", 0.0),
                            callbacks=_job_callbacks(keras, w, scratch) + [Timer()])
    if not wide_deep:
        return times, None, {}
    extras = {}
    try:
        xp, _ = make_data(w, w.predict_rows)
        extras["predict"] = dict(_predict_throughput(
            lambda: model.predict(xp, batch_size=w.predict_rows, verbose=0), w.predict_rows),
            call=f"predict(x, batch_size={w.predict_rows}, verbose=0)")
    except Exception as e:  # keep the training numbers
        extras["predict"] = {"error": f"{type(e).__name__}: {e}"}
    if check:
        extras["check"] = {"final_loss": float(history.history["loss"][-1]),
                           "train_accuracy": _accuracy(
                               model.predict(x, batch_size=4096, verbose=0), y)}
    return times, None, extras


def _job_callbacks(keras, w, scratch):
    """The Keras callbacks a workload names, set up as a training job would: stop after 100
    epochs without improvement (never, in a bench run), keep the best model, log every
    epoch, lower the rate after 2 epochs without improvement."""
    make = {
        "EarlyStopping": lambda: keras.callbacks.EarlyStopping(patience=100),
        "ModelCheckpoint": lambda: keras.callbacks.ModelCheckpoint(
            os.path.join(scratch, "best.keras"), save_best_only=True),
        "CSVLogger": lambda: keras.callbacks.CSVLogger(os.path.join(scratch, "log.csv")),
        "ReduceLROnPlateau": lambda: keras.callbacks.ReduceLROnPlateau(patience=2),
    }
    return [make[name]() for name in getattr(w, "callbacks", ())]


def _fastkeras(w, epochs, n, backend, check=False):
    import fastkeras as keras
    keras.config.set_backend(backend)
    times, _, extras = _keras_api(keras, w, epochs, n, check)
    return times, f"fastkeras {keras.__version__} ({backend})", None, extras


def _keras(w, epochs, n, check=False):
    import os
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    times, _, extras = _keras_api(keras, w, epochs, n, check)
    return times, f"keras {keras.__version__} ({keras.backend.backend()})", None, extras


def _torch_adam(torch, model):
    try:
        return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True), "fused Adam"
    except (RuntimeError, TypeError):
        return (torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True),
                "foreach Adam")


def _torch(w, epochs, n, check=False):
    import torch
    if isinstance(w, WideDeepWorkload):
        return _torch_wide_deep(torch, w, epochs, n, check)
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
    opt, setup = _torch_adam(torch, model)
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


def _torch_wide_deep(torch, w, epochs, n, check):
    torch.manual_seed(0)
    (xn_np, xc_np), y_np = make_data(w, n)
    xn, xc, y = torch.from_numpy(xn_np), torch.from_numpy(xc_np), torch.from_numpy(y_np)
    model = torch_wide_deep(torch, w)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt, setup = _torch_adam(torch, model)
    times, bs, loss_sum = [], w.batch_size, 0.0
    model.train()
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(y))
        loss_sum = 0.0
        for lo in range(0, len(y), bs):
            idx = perm[lo:lo + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xn[idx], xc[idx]), y[idx])
            loss.backward()
            opt.step()
            if check:
                loss_sum += loss.item() * len(idx)
        times.append(time.perf_counter() - t0)
    model.eval()

    def forward(a, b):
        with torch.inference_mode():
            return torch.sigmoid(model(a, b))

    extras = {}
    rows = w.predict_rows
    pn, pc = map(torch.from_numpy, make_data(w, rows)[0])
    extras["predict"] = dict(_predict_throughput(lambda: forward(pn, pc), rows),
                             call="eval(), model(x) in inference_mode")
    if check:
        p = torch.cat([forward(xn[lo:lo + 4096], xc[lo:lo + 4096])
                       for lo in range(0, len(y), 4096)])
        extras["check"] = {"final_loss": loss_sum / len(y),
                           "train_accuracy": _accuracy(p.numpy(), y_np)}
    return times, f"torch {torch.__version__} (eager, logits loss, {setup})", None, extras


def _jax(w, epochs, n, check=False):
    import jax
    import jax.numpy as jnp
    if isinstance(w, WideDeepWorkload):
        return _jax_wide_deep(jax, jnp, w, epochs, n, check)
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


def _jax_wide_deep(jax, jnp, w, epochs, n, check):
    (xn_np, xc_np), y_np = make_data(w, n)
    params, stats = jax_wide_deep_init(w)

    def loss_fn(p, s, xn_b, xc_b, yb, key):
        logits, s = jax_wide_deep_logits(w, p, s, xn_b, xc_b, key)
        return jnp.mean(jax.nn.softplus(logits) - yb * logits), s

    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 1e-3
    tmap = jax.tree_util.tree_map

    def step(state, inp):
        p, s, m, v, t = state
        idx, key = inp
        (loss, s), g = jax.value_and_grad(loss_fn, has_aux=True)(
            p, s, xn[idx], xc[idx], y[idx], key)
        t = t + 1
        alpha = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = tmap(lambda m_, g_: m_ + (g_ - m_) * (1 - b1), m, g)
        v = tmap(lambda v_, g_: v_ + (g_ * g_ - v_) * (1 - b2), v, g)
        p = tmap(lambda p_, m_, v_: p_ - alpha * m_ / (jnp.sqrt(v_) + eps), p, m, v)
        return (p, s, m, v, t), loss

    xn, xc, y = jnp.asarray(xn_np), jnp.asarray(xc_np), jnp.asarray(y_np)
    steps = len(y_np) // w.batch_size

    @jax.jit
    def epoch(state, key):
        kperm, kdrop = jax.random.split(key)
        perm = jax.random.permutation(kperm, len(y_np))[:steps * w.batch_size]
        return jax.lax.scan(step, state, (perm.reshape(steps, w.batch_size),
                                          jax.random.split(kdrop, steps)))

    zeros = tmap(jnp.zeros_like, params)
    state = (params, stats, zeros, zeros, jnp.float32(0))
    key = jax.random.PRNGKey(0)
    times = []
    for _ in range(epochs):
        key, sub = jax.random.split(key)
        t0 = time.perf_counter()
        state, losses = epoch(state, sub)
        jax.block_until_ready(state)
        times.append(time.perf_counter() - t0)
    params, stats = state[0], state[1]
    forward = jax.jit(lambda p, s, a, b: jax.nn.sigmoid(jax_wide_deep_logits(w, p, s, a, b)[0]))
    rows = w.predict_rows
    pn, pc = map(jnp.asarray, make_data(w, rows)[0])
    extras = {"predict": dict(_predict_throughput(
        lambda: forward(params, stats, pn, pc).block_until_ready(), rows),
        call="jit(forward)(x).block_until_ready()")}
    if check:
        p = np.concatenate([np.asarray(forward(params, stats, xn[lo:lo + 4096], xc[lo:lo + 4096]))
                            for lo in range(0, len(y_np), 4096)])
        extras["check"] = {"final_loss": float(jnp.mean(losses)),
                           "train_accuracy": _accuracy(p, y_np)}
    label = f"jax {jax.__version__} (hand-written jit, lax.scan epoch)"
    return times, label, steps * w.batch_size, extras


RUNNERS = {"keras": _keras, "torch": _torch, "jax": _jax}


def run(framework, workload_id, epochs, n_samples=None, check=False):
    w = WORKLOADS[workload_id]
    # At least one full batch, so every framework runs the same steps.
    n = max(n_samples or w.n_samples, w.batch_size)
    if isinstance(w, WideDeepWorkload):
        # Whole batches only: BatchNormalization in training needs more than one row
        # (torch's BatchNorm1d refuses a batch of one).
        n -= n % w.batch_size
    if framework.startswith("fastkeras:"):
        out = _fastkeras(w, epochs, n, framework.split(":", 1)[1], check)
    else:
        out = RUNNERS[framework](w, epochs, n, check)
    times, label = out[:2]
    trained = out[2] if len(out) > 2 and out[2] else n
    if getattr(w, "validation_split", 0.0):  # fit trains on the rows before the split
        trained = int(math.ceil(n * (1.0 - w.validation_split)))
    extras = out[3] if len(out) > 3 else {}
    return dict({"framework": framework, "label": label, "workload": workload_id,
                 "n_samples": trained, "epoch_times": times, "threads": thread_info(framework)},
                **extras)


if __name__ == "__main__":
    argv = [a for a in sys.argv[1:] if a != "--check"]
    fw, wid, ep = argv[0], argv[1], int(argv[2])
    n = int(argv[3]) if len(argv) > 3 and argv[3] != "0" else None
    print("RESULT " + json.dumps(run(fw, wid, ep, n, check="--check" in sys.argv[1:])))
