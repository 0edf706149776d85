"""One runner per framework: train a workload for a few epochs and time each epoch.

Every runner uses the same data, model, batch size and Adam settings (lr=1e-3,
beta_1=0.9, beta_2=0.999, eps=1e-7) and shuffles each epoch; a workload with a training
job's optimizer and metrics (W2OPT) runs them in every framework with Keras's formulas
(training_job.py) and reports the last epoch's loss and metrics under "metrics". Each is
run in its own process by the harness (`python -m fastkeras.bench.runners FRAMEWORK WORKLOAD EPOCHS
[SAMPLES] [--check]`), so frameworks never share threads or allocator state.

W7 (WideDeepWorkload) trains on whole batches only and, after the timed epochs, times one
predict call on `make_data(w, predict_rows)`'s inputs with the trained model (inference.py's
`_throughput`), under "predict" in the result. `--check` adds "check": the final epoch's
mean training loss and the accuracy on the training data (inference mode), to see that a
framework learns; it costs time outside the timed epochs (and, for torch, reading each
step's loss), so the harness does not ask for it.

W4, W6 and W6's variants (layer_workloads.py, models by models.model_family) time, after
the epochs, the one-row predict latency of the trained model with each framework's plain
one-row calls (inference.py's), under "latency"."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time

import numpy as np

from .inference import keras_one_row_calls, one_row_latency
from .layer_workloads import CnnWorkload
from .models import (jax_wide_deep_init, jax_wide_deep_logits, keras_wide_deep, model_family,
                     torch_wide_deep)
from .timing import thread_info, throughput as _predict_throughput
from .training_job import jax_adam, metric_counts, optax_optimizer, torch_optimizer
from .workloads import WORKLOADS, WideDeepWorkload, make_data


_LATENCY_MAX_S = 10.0   # per one-row call kind after training (inference._latency)


def _accuracy(p, y):
    return float(((np.asarray(p).reshape(-1) > 0.5) == (y.reshape(-1) > 0.5)).mean())


def _keras_api(keras, w, epochs, n, check=False):
    """The workload with any Keras-API module (fastkeras or Keras 3): epoch times (and for
    W7 the predict throughput and --check's numbers)."""
    keras.utils.set_random_seed(0)
    x, y = make_data(w, n)
    wide_deep = isinstance(w, WideDeepWorkload)
    model = keras_wide_deep(keras, w) if wide_deep else model_family(w).keras(keras, w)
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
        extras = _final_metrics(history.history, getattr(w, "metrics", ()))
        wait = np.asarray if keras.__name__ == "keras" else (lambda y: y)
        return times, None, _trained_latency(
            extras, w, lambda: keras_one_row_calls(model, x[:1].copy(), wait))
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


def _trained_latency(extras, w, one_row_calls):
    """extras with "latency": the one-row calls' latency (inference.py) with the trained
    model, for a workload with `latency_calls` (W4, W6 and its variants); a failure is
    reported there and keeps the training numbers."""
    calls = getattr(w, "latency_calls", 0)
    if calls:
        try:
            extras["latency"] = one_row_latency(one_row_calls(), calls, _LATENCY_MAX_S)
        except Exception as e:
            extras["latency_error"] = f"{type(e).__name__}: {e}"
    return extras


def _final_metrics(logs, metrics):
    """{"metrics": the last epoch's loss and metrics} for a workload with metrics (to see
    that every framework computed them and learns), else {}."""
    if not metrics:
        return {}
    return {"metrics": {k: float(v[-1]) for k, v in logs.items()}}


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


def _torch(w, epochs, n, check=False):
    import torch
    if isinstance(w, WideDeepWorkload):
        return _torch_wide_deep(torch, w, epochs, n, check)
    torch.manual_seed(0)
    x_np, y_np = make_data(w, n)
    family = model_family(w)
    x = family.torch_input(torch, x_np)
    model = family.torch(torch, w)
    if w.loss == "binary_crossentropy":
        y = torch.from_numpy(y_np)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        y = torch.from_numpy(y_np).long()
        loss_fn = torch.nn.CrossEntropyLoss()
    opt, sched, clip, setup = torch_optimizer(torch, model, w)
    metrics, logs = getattr(w, "metrics", ()), {}
    times = []
    bs = w.batch_size
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(x))
        sums = [torch.zeros((), dtype=torch.float64) for _ in ((),) + metrics] \
            if metrics else []
        for lo in range(0, len(x), bs):
            idx = perm[lo:lo + bs]
            yb = y[idx]
            opt.zero_grad(set_to_none=True)
            logits = model(x[idx])
            loss = loss_fn(logits, yb)
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if sched is not None:
                sched.step()
            if metrics:  # Keras's per-step metric updates, read at the epoch's end
                with torch.no_grad():
                    logits = logits.detach()
                    batch = [loss.detach() * len(idx)] + metric_counts(
                        logits, yb, logits.gather(1, yb[:, None]), metrics)
                    for acc, v in zip(sums, batch):
                        acc += v
        if metrics:
            logs = {name: float(v) / len(x) for name, v in zip(("loss",) + metrics, sums)}
        times.append(time.perf_counter() - t0)
    extras = {"metrics": logs} if metrics else {}
    model.eval()
    act = torch.sigmoid if w.out_activation == "sigmoid" else (lambda z: torch.softmax(z, 1))

    def one_row(x1=x[:1].clone()):
        with torch.inference_mode():
            return act(model(x1))

    extras = _trained_latency(extras, w, lambda: {"model(x) in inference_mode": one_row})
    return times, f"torch {torch.__version__} (eager, logits loss, {setup})", None, extras


def _torch_wide_deep(torch, w, epochs, n, check):
    torch.manual_seed(0)
    (xn_np, xc_np), y_np = make_data(w, n)
    xn, xc, y = torch.from_numpy(xn_np), torch.from_numpy(xc_np), torch.from_numpy(y_np)
    model = torch_wide_deep(torch, w)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt, _, _, setup = torch_optimizer(torch, model, w)
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
    family = model_family(w)
    params = family.jax_init(w)
    binary = w.loss == "binary_crossentropy"
    metrics = getattr(w, "metrics", ())

    def loss_fn(p, xb, yb):
        logits = family.jax_logits(w, p, xb)
        if binary:
            return jnp.mean(jax.nn.softplus(logits) - yb * logits), logits
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1)), \
            logits

    init, update, setup = (jax_adam(jax, jnp) if getattr(w, "optimizer", None) is None
                           else optax_optimizer(w))

    def step(state, idx):
        p, o, sums = state
        xb, yb = x[idx], y[idx]
        (loss, logits), g = jax.value_and_grad(loss_fn, has_aux=True)(p, xb, yb)
        p, o = update(g, o, p)
        if metrics:  # Keras's per-step metric updates, inside the scan
            batch = [loss * len(yb)] + metric_counts(
                logits, yb, jnp.take_along_axis(logits, yb[:, None], 1), metrics)
            sums = [acc + v.astype(acc.dtype) for acc, v in zip(sums, batch)]
        return (p, o, sums), None

    x, y = jnp.asarray(x_np), jnp.asarray(y_np)
    steps = len(x_np) // w.batch_size

    @jax.jit
    def batches(key):
        """The epoch's shuffled row indices, one row of indices per step."""
        perm = jax.random.permutation(key, len(x_np))[:steps * w.batch_size]
        return perm.reshape(steps, w.batch_size)

    def sums0():
        return [jnp.float32(0)] + [jnp.int32(0)] * len(metrics) if metrics else []

    @jax.jit
    def scan_epoch(state, key):
        """(params, optimizer state) -> the next ones and the epoch's metric sums."""
        (p, o, sums), _ = jax.lax.scan(step, state + (sums0(),), batches(key))
        return (p, o), sums

    jit_step = jax.jit(step)

    def loop_epoch(state, key):
        """scan_epoch as a Python loop of jitted steps: XLA's CPU convolutions run several
        times slower inside the scan (W4: 57-120 against ~450 samples/s a step loop)."""
        s = state + (sums0(),)
        for idx in batches(key):
            s, _ = jit_step(s, idx)
        return s[:2], s[2]

    epoch, how = ((loop_epoch, "jitted step loop") if isinstance(w, CnnWorkload)
                  else (scan_epoch, "lax.scan epoch"))

    state, sums = (params, init(params)), []
    key = jax.random.PRNGKey(0)
    times = []
    for _ in range(epochs):
        key, sub = jax.random.split(key)
        t0 = time.perf_counter()
        state, sums = epoch(state, sub)
        jax.block_until_ready((state, sums))
        times.append(time.perf_counter() - t0)
    label = (f"jax {jax.__version__} (hand-written jit, {how}, {setup}, drops the "
             "ragged batch)")
    trained = steps * w.batch_size
    extras = {"metrics": {name: float(v) / trained for name, v in
                          zip(("loss",) + metrics, sums)}} if metrics else {}
    act = jax.nn.sigmoid if w.out_activation == "sigmoid" else jax.nn.softmax
    forward = jax.jit(lambda p, xb: act(family.jax_logits(w, p, xb)))
    x1 = x[:1]
    extras = _trained_latency(extras, w, lambda: {
        "jit(forward)(x).block_until_ready()":
            lambda: forward(state[0], x1).block_until_ready()})
    return times, label, trained, extras


def _jax_wide_deep(jax, jnp, w, epochs, n, check):
    (xn_np, xc_np), y_np = make_data(w, n)
    params, stats = jax_wide_deep_init(w)

    def loss_fn(p, s, xn_b, xc_b, yb, key):
        logits, s = jax_wide_deep_logits(w, p, s, xn_b, xc_b, key)
        return jnp.mean(jax.nn.softplus(logits) - yb * logits), s

    init, update, _ = jax_adam(jax, jnp)

    def step(state, inp):
        p, s, o = state
        idx, key = inp
        (loss, s), g = jax.value_and_grad(loss_fn, has_aux=True)(
            p, s, xn[idx], xc[idx], y[idx], key)
        p, o = update(g, o, p)
        return (p, s, o), loss

    xn, xc, y = jnp.asarray(xn_np), jnp.asarray(xc_np), jnp.asarray(y_np)
    steps = len(y_np) // w.batch_size

    @jax.jit
    def epoch(state, key):
        kperm, kdrop = jax.random.split(key)
        perm = jax.random.permutation(kperm, len(y_np))[:steps * w.batch_size]
        return jax.lax.scan(step, state, (perm.reshape(steps, w.batch_size),
                                          jax.random.split(kdrop, steps)))

    state = (params, stats, init(params))
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
