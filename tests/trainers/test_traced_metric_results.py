"""A metric's `result()` computed with inside a custom train_step / test_step (traced once
into the native step) is that step's value, as in Keras's eager step, against real Keras 3
(tests/fixtures/keras_traced_results.json, from make_keras_traced_results.py): each batch's
logs, History, evaluate. Metrics held as attributes are reset at each epoch and evaluate.
A metric whose result() is NumPy refuses to be computed with inside the trace
(NotImplementedError naming it) and still works returned as it is."""

import json
import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from tests.fixtures import traced_result_cases as cases

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures")
with open(os.path.join(HERE, "keras_traced_results.json")) as f:
    KERAS = json.load(f)


def _close(got, want, what):
    np.testing.assert_allclose(np.asarray(got, "float64"), want, rtol=1e-5, atol=1e-6,
                               err_msg=what)


class CaseModel(keras.Model):
    """The fixture's steps (traced_result_cases.py), written with fastkeras.GradientTape."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        cases.make_metrics(self, keras, ops)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            pred = self(x, training=True)
            loss = ops.mean(ops.square(ops.subtract(pred, y)))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        return cases.train_logs(self, ops, loss, y, pred)

    def test_step(self, data):
        x, y = data
        return cases.eval_logs(self, ops, y, self(x, training=False))


def _recorder(kind, into):
    return keras.callbacks.LambdaCallback(
        **{f"on_{kind}_batch_end": lambda batch, logs: into.append(dict(logs))})


@pytest.fixture(params=[b for b in ("cpu", "reference") if backends.available(b)])
def backend(request):
    previous = backends.get_backend()
    backends.set_backend(request.param)
    yield request.param
    backends._active = previous


def test_results_computed_with_in_the_steps_match_keras(backend):
    model = CaseModel()
    model(cases.X[:1])
    model.set_weights(cases.WEIGHTS)
    model.compile(optimizer=keras.optimizers.SGD(cases.LR))
    train, test = [], []
    history = model.fit(cases.X, cases.Y, batch_size=cases.BATCH, epochs=cases.EPOCHS,
                        verbose=0, shuffle=False, callbacks=[_recorder("train", train)])
    assert len(train) == len(KERAS["train_batches"])
    for i, (got, want) in enumerate(zip(train, KERAS["train_batches"])):
        for key in cases.BATCH_KEYS:
            _close(got[key], want[key], f"train batch {i} {key!r}")
    # (the twice key counts this epoch's steps: 2, 4, 6 each epoch, not the trace's 0)
    assert [logs["twice"] for logs in train] == [2.0, 4.0, 6.0] * cases.EPOCHS
    assert set(history.history) == set(KERAS["history"])
    for key, values in KERAS["history"].items():
        _close(history.history[key], values, f"history {key!r}")
    evaluated = model.evaluate(cases.XV, cases.YV, batch_size=cases.BATCH, verbose=0,
                               return_dict=True, callbacks=[_recorder("test", test)])
    assert evaluated.keys() == KERAS["evaluate"].keys()
    for key, value in KERAS["evaluate"].items():
        _close(evaluated[key], value, f"evaluate {key!r}")
    for i, (got, want) in enumerate(zip(test, KERAS["test_batches"], strict=True)):
        for key, value in want.items():
            _close(got[key], value, f"test batch {i} {key!r}")


def test_eager_results_are_numpy_scalars_as_before():
    model = CaseModel()
    model.tracker.update_state(np.array([1.0, 2.0], "float32"))
    model.seen.update_state(3.0)
    for metric, value in ((model.tracker, 1.5), (model.seen, 3.0)):
        result = metric.result()
        assert isinstance(result, np.float32) and result == value


def _eval_model(make_logs, **metrics):
    """A model whose test_step updates `metrics` (attributes) with (y, pred) and returns
    make_logs(model)."""

    class Evaluated(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, activation="sigmoid")
            for name, metric in metrics.items():
                setattr(self, name, metric)

        def call(self, x):
            return self.dense(x)

        def test_step(self, data):
            x, y = data
            pred = self(x, training=False)
            for metric in metrics.values():
                metric.update_state(y, pred)
            return make_logs(self)

    model = Evaluated()
    model(cases.X[:1])
    model.set_weights([np.array([[1.0], [-0.5], [-1.0]], "float32"), np.zeros(1, "float32")])
    model.compile()
    return model


LABELS = (cases.Y > 0).astype("float32")


def test_confusion_counts_and_precision_are_each_steps_value():
    """Traced with ops: per batch, equal to the same metrics updated eagerly."""
    model = _eval_model(lambda m: {"precision": ops.multiply(m.precision.result(), 1.0),
                                   "tp": ops.add(m.tp.result(), 0.0),
                                   "recall": m.recall.result()},
                        precision=keras.metrics.Precision(name="precision"),
                        recall=keras.metrics.Recall(thresholds=[0.3, 0.7], name="recall"),
                        tp=keras.metrics.TruePositives(name="tp"))
    logs = []
    model.evaluate(cases.X, LABELS, batch_size=cases.BATCH, verbose=0,
                   callbacks=[_recorder("test", logs)])
    precision, tp = keras.metrics.Precision(), keras.metrics.TruePositives()
    recall = keras.metrics.Recall(thresholds=[0.3, 0.7])
    predictions = model.predict(cases.X, verbose=0)
    for i, got in enumerate(logs):
        rows = slice(i * cases.BATCH, (i + 1) * cases.BATCH)
        for metric in (precision, recall, tp):
            metric.update_state(LABELS[rows], predictions[rows])
        _close(got["precision"], precision.result(), f"precision batch {i}")
        _close(got["tp"], tp.result(), f"tp batch {i}")
        _close(got["recall"], recall.result(), f"recall batch {i}")
    assert logs[-1]["tp"] > 0 and 0 < logs[-1]["precision"] < 1


def test_a_mean_with_nothing_counted_computes_as_zero():
    """Keras's divide_no_nan: total / count is 0 while count is 0 (a Mean and a metric
    wrapper never updated in the step), and the count's float64 is cast to float32."""
    model = _eval_model(lambda m: {"empty": ops.add(m.empty.result(), 1.0),
                                   "mae": ops.add(m.mae.result(), 1.0),
                                   "dtype": np.float32(m.empty.result().dtype == "float32")},
                        mae=keras.metrics.MeanAbsoluteError(name="mae"))
    model.empty = keras.metrics.Mean(name="empty")
    result = model.evaluate(cases.X, LABELS, batch_size=cases.BATCH, verbose=0,
                            return_dict=True)
    assert result["empty"] == 1.0 and result["dtype"] == 1.0
    _close(result["mae"], 1.0 + model.mae.result(), "mae")
    assert result["mae"] > 1.0


@pytest.mark.parametrize("use", [
    lambda r: ops.add(r, 0.0), lambda r: r * 2.0, lambda r: 1.0 - r, lambda r: ops.sqrt(r),
    lambda r: ops.cast(r, "float64"), lambda r: float(r), lambda r: np.sqrt(r)],
    ids=["ops.add", "mul", "rsub", "ops.sqrt", "ops.cast", "float", "np.sqrt"])
def test_a_numpy_result_computed_with_raises_naming_the_metric(use):
    model = _eval_model(lambda m: {"auc_used": use(m.auc.result())},
                        auc=keras.metrics.AUC(name="my_auc"))
    with pytest.raises(NotImplementedError, match=r"AUC metric 'my_auc'.*as it is in the logs"):
        model.evaluate(cases.X, LABELS, batch_size=cases.BATCH, verbose=0)


def test_a_numpy_result_returned_as_it_is_is_read_from_the_metric():
    auc = keras.metrics.AUC(name="auc")
    in_list = [keras.metrics.F1Score(threshold=0.5, average="micro", name="f1")]  # not held
    model = _eval_model(lambda m: {"auc": m.auc.result(), "f1": in_list[0].result()},
                        auc=auc)
    orig_step = model.test_step

    def step(data):
        in_list[0].update_state(data[1], model(data[0], training=False))
        return orig_step(data)

    model.test_step = step
    result = model.evaluate(cases.X, LABELS, batch_size=cases.BATCH, verbose=0,
                            return_dict=True)
    _close(result["auc"], auc.result(), "auc")
    _close(result["f1"], in_list[0].result(), "f1")
    assert 0.5 < result["auc"] < 1 and 0 < result["f1"] < 1


class NumpyMean(keras.metrics.Metric):
    """A user metric whose result() reads its variables' arrays (not ops)."""

    def __init__(self, name="numpy_mean"):
        super().__init__(name=name)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, y_true, y_pred):
        self.total.assign(ops.add(self.total, ops.sum(y_pred)))
        self.count.assign(ops.add(self.count, 8.0))

    def result(self):
        return np.float32(self.total.numpy() / max(float(self.count.numpy()), 1.0))


def test_a_user_metrics_numpy_result_is_not_a_silent_constant():
    used = _eval_model(lambda m: {"twice": ops.multiply(m.mine.result(), 2.0)},
                       mine=NumpyMean(name="mine"))
    with pytest.raises(NotImplementedError, match="NumpyMean metric 'mine'"):
        used.evaluate(cases.X, LABELS, batch_size=cases.BATCH, verbose=0)
    as_is = _eval_model(lambda m: {"mine": m.mine.result()}, mine=NumpyMean(name="mine"))
    result = as_is.evaluate(cases.X, LABELS, batch_size=cases.BATCH, verbose=0,
                            return_dict=True)
    predictions = as_is.predict(cases.X, verbose=0)
    _close(result["mine"], predictions.mean(), "mine")
