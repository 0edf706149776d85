"""StepCache (trainers/steps.py): the state block holds exactly what the live plans use."""

import gc
import os
import tracemalloc

import numpy as np

import fastkeras as keras
from fastkeras.layers import Dense


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def test_recompiles_free_the_replaced_optimizer_and_metrics(backend):
    """A learning-rate sweep: 200 compiles of one 132k-parameter model. The previous code kept
    every old optimizer's slots in the state block (1.5 MiB more per compile)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 128)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([Dense(256, activation="relu", input_shape=(128,)),
                              Dense(256, activation="relu"), Dense(1, activation="sigmoid")])
    sizes, rss, traced = [], [], []
    tracemalloc.start()  # NumPy's allocations: state blocks, arenas, constants
    try:
        for i in range(200):
            model.compile(optimizer=keras.optimizers.Adam(1e-3 * (1 + i % 5)),
                          loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(x, y, epochs=1, batch_size=32, verbose=0)
            sizes.append(model._steps.state.block.nbytes)
            if i in (20, 199):
                gc.collect()
                rss.append(_rss_mib())
                traced.append(tracemalloc.get_traced_memory()[0] / 2**20)
    finally:
        tracemalloc.stop()
    assert len(set(sizes)) == 1
    params = sum(w.size for w in model.get_weights())
    assert sizes[0] < 4 * 4 * params  # weights, Adam's two slots, small counters
    assert traced[1] - traced[0] < 2, traced  # the old code grew ~270 MiB here
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):  # ASan's quarantine holds freed memory
        assert rss[1] - rss[0] < 30, rss


def test_predict_after_recompile_sees_trained_weights(backend):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([Dense(4, activation="relu", input_shape=(5,)),
                              Dense(1, activation="sigmoid")])
    model.predict(x, verbose=0)
    for opt in ("adam", "sgd", "rmsprop"):
        model.compile(optimizer=opt, loss="binary_crossentropy")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        k, b, k2, b2 = model.get_weights()
        expected = 1 / (1 + np.exp(-(np.maximum(x @ k + b, 0) @ k2 + b2)))
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
