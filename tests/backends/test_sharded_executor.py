"""fastkeras._cpu.ShardedExecutor: a plan that breaks the sharded layout is refused with a
ValueError naming the problem (never run), and bad data arrays or rows are errors too."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.backends import cpu_backend
from fastkeras.backends.plan import aligned_bytes
from fastkeras.trainers import sharding

pytestmark = pytest.mark.skipif(not backends.available("cpu"), reason="cpu backend not built")


@pytest.fixture(scope="module")
def parts():
    """A sharded train plan's native descriptors and a copy of its model's state block."""
    previous = backends.get_backend()
    backends.set_backend("cpu")
    try:
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        x = np.ones((64, 6), "float32")
        y = np.ones((64, 1), "float32")
        sharding_cpus = sharding.available_cpus
        sharding.available_cpus = lambda: 2
        try:
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        finally:
            sharding.available_cpus = sharding_cpus
    finally:
        backends._active = previous
    ex = next(e for k, e in model._steps._executors.items() if k[0] == "train")
    assert ex.shards == 2
    plan = ex.plan
    pure_end, kinds = sharding.effect_layout(plan)
    buffers, instrs = cpu_backend._native_plan(plan)
    state = aligned_bytes(model._steps.state.block.nbytes)
    state[:] = model._steps.state.block
    return dict(plan=plan, pure_end=pure_end, kinds=kinds, buffers=buffers, instrs=instrs,
                state=state, x=x, y=y)


def make(p, **changes):
    args = dict(arenas=[aligned_bytes(p["plan"].arena_nbytes) for _ in range(2)],
                state=p["state"], consts=p["plan"].const_block, buffers=p["buffers"],
                instrs=p["instrs"], inputs=list(p["plan"].inputs),
                shard_batch=p["plan"].batch_size, pure_end=p["pure_end"],
                effect_kinds=list(p["kinds"]))
    args.update(changes)
    return cpu_backend._cpu.ShardedExecutor(**args)


def test_valid_plan_runs(parts):
    ex = make(parts)
    assert ex.num_shards == 2
    ex.run([parts["x"], parts["y"]], None, 0, 2)
    ex.run([parts["x"], parts["y"]], np.arange(64, dtype=np.int64)[::-1].copy(), 0, 2)


def test_bad_layouts_are_refused(parts):
    p, kinds, end = parts, parts["kinds"], parts["pure_end"]
    assert kinds[0] == sharding.UPDATE and kinds[-1] == sharding.PER_SHARD
    cases = {
        "cover the instructions": dict(effect_kinds=kinds[:-1]),
        "an effect before pure_end": dict(pure_end=end + 1, effect_kinds=kinds[1:]),
        "a pure op after pure_end": dict(pure_end=end - 1, effect_kinds=[2] + kinds),
        "unknown effect kind": dict(effect_kinds=[7] + kinds[1:]),
        "must come before": dict(effect_kinds=kinds[1:2] + kinds[:1] + kinds[2:]),
        "not an optimizer update": dict(effect_kinds=kinds[:1] + [0] + kinds[2:]),
        "only accumulate runs per shard": dict(effect_kinds=kinds[:1] + [1] + kinds[2:]),
        "at least one arena": dict(arenas=[]),
        "1 to 16 arenas": dict(arenas=[aligned_bytes(p["plan"].arena_nbytes)
                                       for _ in range(17)]),
        "same size": dict(arenas=[aligned_bytes(p["plan"].arena_nbytes),
                                  aligned_bytes(p["plan"].arena_nbytes - 64)]),
        "outside its memory block": dict(arenas=[aligned_bytes(64), aligned_bytes(64)]),
        "needs data inputs": dict(inputs=[]),
    }
    for message, change in cases.items():
        with pytest.raises(ValueError, match=message):
            make(p, **change)


def test_gradient_must_live_in_the_arena(parts):
    p = parts
    k = p["pure_end"]
    op, ins, outs, ints, floats = p["instrs"][k]
    moved = list(p["instrs"])
    moved[k] = (op, [ins[0], ins[0]] + ins[2:], outs, ints, floats)  # the variable as gradient
    with pytest.raises(ValueError, match="1-D float32 arena buffer"):
        make(p, instrs=moved)


def test_a_globally_clipped_update_is_refused(parts):
    """Split by element ranges, a global-norm clip would see only its range's norm."""
    p = parts
    k = p["pure_end"]
    op, ins, outs, ints, floats = p["instrs"][k]
    clipped = list(p["instrs"])
    clipped[k] = (op, ins, outs, ints, list(floats[:3]) + [1.0] + list(floats[4:]))
    with pytest.raises(ValueError, match="globally clipped update"):
        make(p, instrs=clipped)


def test_a_globally_clipped_step_trains_unsharded(monkeypatch):
    """The same W1-sized model that shards with plain Adam runs unsharded with a
    global_clipnorm, and equals the composite update's result."""
    monkeypatch.setattr(sharding, "available_cpus", lambda: 2)
    x = np.random.default_rng(0).standard_normal((64, 6)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    weights = []
    for native in (True, False):
        keras.utils.set_random_seed(5)
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        opt = keras.optimizers.Adam(0.01, global_clipnorm=0.1)
        opt.use_native_kernel = native
        model.compile(optimizer=opt, loss="binary_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        ex = next(e for k, e in model._steps._executors.items() if k[0] == "train")
        assert getattr(ex, "shards", 1) == 1
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)


def test_bad_data_and_rows_are_errors(parts):
    ex = make(parts)
    x, y = parts["x"], parts["y"]
    with pytest.raises(ValueError, match="wrong number of data arrays"):
        ex.run([x], None, 0, 1)
    with pytest.raises(ValueError, match="row shape"):
        ex.run([np.ones((64, 5), "float32"), y], None, 0, 1)
    with pytest.raises(ValueError, match="out of range"):
        ex.run([x, y], None, 32, 2)
    with pytest.raises(ValueError, match="row index 64 out of range"):
        ex.run([x, y], np.full(64, 64, dtype=np.int64), 0, 1)
    with pytest.raises(ValueError, match="no outputs"):
        ex.run([x, y], None, 0, 1, [np.ones((64, 1), "float32")])
