"""trainers/sharding.py: small models' train steps run as data-parallel shards on the cpu
backend. A sharded step must give the full batch's numbers (the mean of the shards'
gradients, metric sums over all rows), whatever the thread count; steps that would not
(batch-mixing models, non-additive losses or metrics, other optimizers) must not shard."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.trainers import sharding

pytestmark = pytest.mark.skipif(not backends.available("cpu"), reason="cpu backend not built")


@pytest.fixture(autouse=True)
def cpu_backend(monkeypatch):
    previous = backends.get_backend()
    backends.set_backend("cpu")
    monkeypatch.setattr(sharding, "available_cpus", lambda: 2)  # as on any 2-core machine
    yield
    backends._active = previous


def data(n=512, d=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y, rng.random(n).astype("float32")


def mlp(d=12, out=1, activation="sigmoid"):
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input(shape=(d,)), keras.layers.Dense(32, activation="relu"),
                             keras.layers.Dense(16, activation="tanh"),
                             keras.layers.Dense(out, activation=activation)])


def train_executors(model):
    return [ex for key, ex in model._steps._executors.items() if key[0] == "train"]


def is_sharded(model):
    found = train_executors(model)
    assert found, "no train step was built"
    return all(hasattr(ex, "shards") for ex in found)


def fit(model, x, y, batch_size=32, **kw):
    return model.fit(x, y, batch_size=batch_size, epochs=3, verbose=0, **kw).history


@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum", "sgd"])
@pytest.mark.parametrize("weighted", [False, True])
def test_sharded_training_matches_the_full_batch(monkeypatch, optimizer, weighted):
    x, y, w = data()
    runs = []
    for max_params in (sharding.MAX_SHARDED_PARAMS, 0):  # sharded, then not
        monkeypatch.setattr(sharding, "MAX_SHARDED_PARAMS", max_params)
        opt = {"adam": lambda: keras.optimizers.Adam(0.01),
               "sgd_momentum": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
               "sgd": lambda: keras.optimizers.SGD(0.1)}[optimizer]()
        model = mlp()
        model.compile(optimizer=opt, loss="binary_crossentropy",
                      metrics=["accuracy", "mse"])
        history = fit(model, x, y, sample_weight=w if weighted else None)
        assert is_sharded(model) == bool(max_params)
        # evaluate() runs the test plan (never sharded) on the weights training left
        runs.append((history, model.get_weights(), model.evaluate(x, y, verbose=0)))
    (h1, w1, e1), (h0, w0, e0) = runs
    assert h1.keys() == h0.keys()
    for key in h0:  # losses and metrics of every epoch: sums over all rows
        np.testing.assert_allclose(h1[key], h0[key], rtol=2e-5, atol=1e-6)
    for a, b in zip(w1, w0):  # 48 steps of float32 rounding in another order
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(e1, e0, rtol=1e-5)


def _matches_unsharded(monkeypatch, build, x, y, learning_rate):
    """Fits `build()` sharded by the weight-reuse rule, then with the rule off, and checks
    both ran as expected to the same numbers. SGD: Adam's m / sqrt(v) would turn a
    rounding-sized gradient into a full step."""
    runs = []
    for min_flops in (sharding.MIN_FLOPS_PER_PARAM, 10 ** 9):  # sharded, then not
        monkeypatch.setattr(sharding, "MIN_FLOPS_PER_PARAM", min_flops)
        model = build()
        assert model.count_params() > sharding.MAX_SHARDED_PARAMS
        model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy",
                      metrics=["accuracy"])
        history = fit(model, x, y)
        assert is_sharded(model) == (min_flops < 10 ** 9)
        runs.append((history, model.get_weights()))
    (h1, w1), (h0, w0) = runs
    for key in h0:
        np.testing.assert_allclose(h1[key], h0[key], rtol=2e-5, atol=1e-6)
    for a, b in zip(w1, w0):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)


def test_large_models_that_reuse_their_weights_shard(monkeypatch):
    """Above MAX_SHARDED_PARAMS a step still shards when each weight serves many FLOPs a
    sample: Dense over a sequence runs as one matmul of (batch * steps) rows, row-local
    through its reshapes. tanh, not relu: the two runs sum dW over 1024 rows in another
    order, and on the AVX-512 path one relu input within rounding of 0 flipped sides at
    step 21, which moved one unit's weights by 9e-6 (a kink, not a sharding error)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(256, 32, 12)).astype("float32")
    y = (x[:, :, 0].mean(1, keepdims=True) > 0).astype("float32")

    def build():
        keras.utils.set_random_seed(5)
        return keras.Sequential([keras.Input(shape=(32, 12)),
                                 keras.layers.Dense(96, activation="tanh"),
                                 keras.layers.Dense(96, activation="tanh"),
                                 keras.layers.GlobalAveragePooling1D(),
                                 keras.layers.Dense(1, activation="sigmoid")])
    _matches_unsharded(monkeypatch, build, x, y, 0.1)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_recurrent_models_over_an_embedding_shard(monkeypatch, cell):
    """The scan runs time-major (batch on axis 1) from a zero state: still row-local, and
    the embedding table (gathered, no FLOPs) does not count against the weights' reuse."""
    rng = np.random.default_rng(2)
    x = rng.integers(1, 50, size=(128, 12)).astype("int32")
    y = (x[:, :3].mean(1, keepdims=True) > 25).astype("float32")

    def build():
        keras.utils.set_random_seed(7)
        return keras.Sequential([keras.Input(shape=(12,), dtype="int32"),
                                 keras.layers.Embedding(2000, 8),
                                 getattr(keras.layers, cell)(16),
                                 keras.layers.Dense(1, activation="sigmoid")])
    _matches_unsharded(monkeypatch, build, x, y, 0.5)


def test_unshuffled_rows_read_in_place_match(monkeypatch):
    # shuffle=False: each shard reads its half of the caller's rows in place (no gather)
    x, y, _ = data(n=320)
    weights = []
    for max_params in (sharding.MAX_SHARDED_PARAMS, 0):
        monkeypatch.setattr(sharding, "MAX_SHARDED_PARAMS", max_params)
        model = mlp()
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
        assert is_sharded(model) == bool(max_params)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-6)


def test_sharded_results_do_not_depend_on_thread_count():
    x, y, _ = data()
    runs = []
    previous = keras.config.get_num_threads()
    try:
        for threads in (1, 2, 3):
            keras.config.set_num_threads(threads)
            model = mlp()
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            history = fit(model, x, y)
            assert is_sharded(model)
            runs.append(model.get_weights() + [np.array(history["loss"])])
    finally:
        keras.config.set_num_threads(previous)
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


def test_softmax_classifier_and_train_on_batch_shard():
    x, _, _ = data()
    labels = (np.abs(x[:, 0]) * 2).astype("int32") % 3
    model = mlp(out=3, activation="softmax")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.get_weights()
    logs = model.train_on_batch(x[:64], labels[:64], return_dict=True)
    assert is_sharded(model) and np.isfinite(logs["loss"])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with pytest.raises(ValueError, match="NaN or inf"):  # the input check still runs
        bad = x[:64].copy()
        bad[5, 2] = np.nan
        model.train_on_batch(bad, labels[:64])


def custom_metric(y_true, y_pred):
    return keras.ops.mean(y_pred, axis=-1)


class CenteredModel(keras.Model):
    """Subtracts the batch mean: a row's output depends on the other rows."""

    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(1, activation="sigmoid")

    def call(self, x):
        h = self.hidden(x)
        return self.out(keras.ops.subtract(h, keras.ops.mean(h, axis=0, keepdims=True)))


NOT_SHARDED = {
    "8 rows a shard": dict(batch_size=16),
    "odd batch": dict(batch_size=33),
    "loss reduction sum": dict(loss=keras.losses.BinaryCrossentropy(reduction="sum")),
    "user metric": dict(metrics=[custom_metric]),
    "rmsprop (updates are pure ops)": dict(optimizer="rmsprop"),
    "batch-mixing model": dict(model=CenteredModel),
    "too many parameters": dict(model=lambda: keras.Sequential([
        keras.Input(shape=(12,)), keras.layers.Dense(1024), keras.layers.Dense(1)])),
    "one cpu": dict(cpus=1),
}


@pytest.mark.parametrize("case", sorted(NOT_SHARDED))
def test_steps_that_must_not_shard(monkeypatch, case):
    kw = dict(NOT_SHARDED[case])
    cpus = kw.pop("cpus", 2)
    monkeypatch.setattr(sharding, "available_cpus", lambda: cpus)
    x, y, _ = data()
    model = kw.pop("model", mlp)()
    model.compile(optimizer=kw.pop("optimizer", "adam"),
                  loss=kw.pop("loss", "binary_crossentropy"), metrics=kw.pop("metrics", None))
    history = fit(model, x, y, batch_size=kw.pop("batch_size", 32))
    assert not kw
    assert not is_sharded(model)
    assert np.all(np.isfinite(history["loss"]))


def test_other_backends_never_shard():
    for name in ("reference", "numba"):
        if backends.available(name):
            assert sharding.shard_count(mlp(), 32, backends.get(name)) == 1
    assert sharding.shard_count(mlp(), 32, backends.get("cpu")) == 1  # not compiled: no loss


def test_effects_declare_how_a_sharded_step_runs_them():
    """The executor's effect kinds come from each effect primitive's declaration, not from a
    list of names here; a shard_effect on a pure primitive is refused."""
    from fastkeras.graph.primitive import PRIMITIVES, SHARD_EFFECTS, Primitive, register
    declared = {n: p.shard_effect for n, p in PRIMITIVES.items() if p.effect}
    assert declared == {"adam_update": "update", "sgd_update": "update",
                        "sgd_momentum_update": "update", "accumulate": "per_shard",
                        "increment": "once", "assign": "", "constrain": ""}
    assert all(not p.shard_effect for p in PRIMITIVES.values() if not p.effect)
    assert set(sharding._KIND) == set(SHARD_EFFECTS)
    with pytest.raises(ValueError, match="shard_effect is for effects"):
        register(Primitive("pure_with_shard_effect", lambda s, a: [s[0]], lambda x: x,
                           rows="elementwise", shard_effect="once"))
