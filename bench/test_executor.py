"""Whole-plan latencies through the public API: W5's predict on one row (weights streamed
from cache, two dispatches to the pool) and on 4096 rows (the input read in place, NaN scan,
three GEMMs, softmax), plus the 4096 x 10 softmax alone. Reported as time per call.

Run: `pytest bench/test_executor.py --benchmark-only`."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def w2_model():
    import fastkeras as keras
    model = keras.Sequential([keras.Input(shape=(784,)),
                              keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    return model


def test_predict_one_row(benchmark, w2_model, rng):
    x = rng.standard_normal((1, 784), dtype=np.float32)
    w2_model.predict(x, verbose=0)  # compiles the plan, leaves the fast path behind
    benchmark.group = "W5 predict"
    benchmark.pedantic(lambda: w2_model.predict(x, verbose=0), rounds=2000, iterations=1,
                       warmup_rounds=200)


def test_predict_4096_rows(benchmark, w2_model, rng):
    x = rng.standard_normal((4096, 784), dtype=np.float32)
    w2_model.predict(x, batch_size=4096, verbose=0)
    benchmark.group = "W5 predict"
    benchmark.pedantic(lambda: w2_model.predict(x, batch_size=4096, verbose=0), rounds=30,
                       iterations=1, warmup_rounds=2)
    if benchmark.stats:  # None under --benchmark-disable
        benchmark.extra_info["samples_per_s"] = round(4096 / benchmark.stats.stats.min)


def test_softmax_4096x10(benchmark, rng):
    from fastkeras import _cpu
    x, y = rng.standard_normal((4096, 10), dtype=np.float32), np.empty((4096, 10), np.float32)
    run, code, ins, outs = _cpu.run_op, _cpu.op_codes()["softmax"], [x], [y]
    benchmark.group = "softmax"
    benchmark(lambda: run(code, ins, outs, [1], []))


@pytest.mark.parametrize("mode", ["sharded", "plain"])
def test_w1_epoch(benchmark, rng, monkeypatch, mode):
    """One W1 epoch of 16,384 rows (512 steps of 32) through `fit`: the data-parallel train
    step (two shards, trainers/sharding.py) against the one-core plan, in the same run."""
    import fastkeras as keras
    from fastkeras.trainers import sharding
    if mode == "plain":
        monkeypatch.setattr(sharding, "MAX_SHARDED_PARAMS", 0)
    x = rng.standard_normal((16384, 32), dtype=np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(32,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    benchmark.group = "W1 train epoch"
    benchmark.pedantic(lambda: model.fit(x, y, batch_size=32, epochs=1, verbose=0), rounds=20,
                       iterations=1, warmup_rounds=1)
    if benchmark.stats:
        benchmark.extra_info["samples_per_s"] = round(16384 / benchmark.stats.stats.median)
