"""W5 runners: inference with the W2 model (weights as initialised) in each framework.

Latency: one row per call, `calls` calls after a warm-up, microseconds per call (mean of
the timed calls; the median is kept too). Throughput: one call on `batch` rows, samples/s
from the median of repeated calls. Every framework is given its fastest plain setup: torch
a pre-made tensor under `inference_mode`, JAX a jitted forward on a device-resident array
with `block_until_ready`, the Keras-API models a numpy array. Run in its own process by the
harness: `python -m fastkeras.bench.inference FRAMEWORK CALLS BATCH`."""

from __future__ import annotations

import json
import statistics
import sys
import time

from .models import jax_logits, jax_params, keras_model, torch_model
from .timing import thread_info, throughput
from .workloads import INFERENCE, WORKLOADS, make_data

_WARMUP_S = 0.5       # latency: warm up for at least this long


def _latency(fn, calls, max_s=None):
    """Times `calls` calls of fn() one by one after a warm-up of a tenth as many and at least
    _WARMUP_S seconds (a fast call needs the time: its first few hundred run measurably slower,
    e.g. 24 -> 20 us for fastkeras's 1-row predict). With `max_s`, a slow call (Keras's eager
    model(x) of an LSTM: ~0.5 s) stops the warm-up after max_s / 4 and the timing after
    max_s, with at least 2 and 5 calls; "calls" says how many were timed."""
    clock = time.perf_counter
    start, done = clock(), 0
    while done < max(20, calls // 10) or clock() - start < _WARMUP_S:
        fn()
        done += 1
        if max_s and done >= 2 and clock() - start > max_s / 4:
            break
    times, start = [], clock()
    for _ in range(calls):
        t0 = clock()
        fn()
        times.append(clock() - t0)
        if max_s and len(times) >= 5 and clock() - start > max_s:
            break
    return {"mean_us": 1e6 * sum(times) / len(times),
            "median_us": 1e6 * statistics.median(times),
            "min_us": 1e6 * min(times), "calls": len(times)}


def keras_one_row_calls(model, x1, wait=lambda y: y):
    """The one-row calls of a Keras-API model; `wait` forces model(x)'s result."""
    return {"predict(x, verbose=0)": lambda: model.predict(x1, verbose=0),
            "model(x)": lambda: wait(model(x1)),
            "predict_on_batch(x)": lambda: model.predict_on_batch(x1)}


def one_row_latency(one, calls, max_s=None):
    """{call name: _latency} of every one-row call."""
    return {name: _latency(fn, calls, max_s) for name, fn in one.items()}


def _fastkeras(w, x1, xb, backend):
    import fastkeras as keras
    keras.config.set_backend(backend)
    keras.utils.set_random_seed(0)
    model = keras_model(keras, w)
    one = keras_one_row_calls(model, x1)
    batch = ("predict(x, batch_size=N, verbose=0)",
             lambda: model.predict(xb, batch_size=len(xb), verbose=0))
    return one, batch, f"fastkeras {keras.__version__} ({backend})"


def _keras(w, x1, xb):
    import os
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    import numpy as np
    keras.utils.set_random_seed(0)
    model = keras_model(keras, w)
    # model(x) returns a backend array that may still be computing: np.asarray waits for it.
    one = keras_one_row_calls(model, x1, wait=np.asarray)
    batch = ("predict(x, batch_size=N, verbose=0)",
             lambda: model.predict(xb, batch_size=len(xb), verbose=0))
    return one, batch, f"keras {keras.__version__} ({keras.backend.backend()})"


def _torch(w, x1, xb):
    import torch
    torch.manual_seed(0)
    model = torch_model(torch, w, with_output_activation=True).eval()
    t1, tb = torch.from_numpy(x1), torch.from_numpy(xb)

    def run(x):
        with torch.inference_mode():
            return model(x)

    one = {"model(x) in inference_mode": lambda: run(t1)}
    batch = ("model(x) in inference_mode", lambda: run(tb))
    return one, batch, f"torch {torch.__version__} (eager, inference_mode)"


def _jax(w, x1, xb):
    import jax
    import jax.numpy as jnp
    params = jax_params(w)
    act = jax.nn.sigmoid if w.out_activation == "sigmoid" else jax.nn.softmax
    forward = jax.jit(lambda p, x: act(jax_logits(p, x)))
    d1, db = jnp.asarray(x1), jnp.asarray(xb)
    one = {"jit(forward)(x).block_until_ready()": lambda: forward(params, d1).block_until_ready()}
    batch = ("jit(forward)(x).block_until_ready()",
             lambda: forward(params, db).block_until_ready())
    return one, batch, f"jax {jax.__version__} (jitted forward, device-resident input)"


RUNNERS = {"keras": _keras, "torch": _torch, "jax": _jax}


def run(framework, workload_id="W5", calls=None, batch=None):
    iw = INFERENCE[workload_id]
    w = WORKLOADS[iw.model]
    calls = calls or iw.latency_calls
    batch = batch or iw.batch_size
    x, _ = make_data(w, batch)
    x1 = x[:1].copy()
    if framework.startswith("fastkeras:"):
        one, (batch_call, batch_fn), label = _fastkeras(w, x1, x, framework.split(":", 1)[1])
    else:
        one, (batch_call, batch_fn), label = RUNNERS[framework](w, x1, x)
    latency = one_row_latency(one, calls)
    tput = dict(throughput(batch_fn, batch), call=batch_call)
    return {"framework": framework, "label": label, "workload": workload_id, "model": iw.model,
            "latency": latency, "throughput": tput, "threads": thread_info(framework)}


if __name__ == "__main__":
    fw = sys.argv[1]
    n_calls = int(sys.argv[2]) if len(sys.argv) > 2 else None
    n_rows = int(sys.argv[3]) if len(sys.argv) > 3 else None
    print("RESULT " + json.dumps(run(fw, "W5", n_calls, n_rows)))
