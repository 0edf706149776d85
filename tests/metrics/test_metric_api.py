"""The Metric API (add_variable state updated inside the compiled step), get/serialize/
deserialize, and Keras's errors for bad arguments."""

import numpy as np
import pytest

import fastkeras as keras


class CountAbove(keras.metrics.Metric):
    """A user metric: how many predictions exceed 0.5, with a (2,) vector state."""

    def __init__(self, name="count_above", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tally = self.add_variable(shape=(2,), initializer="zeros", name="tally")

    def update_state(self, y_true, y_pred, sample_weight=None):
        above = keras.ops.sum(keras.ops.cast(keras.ops.greater(y_pred, 0.5), "float32"))
        rows = np.full((1,), keras.ops.shape(y_pred)[0], "float32")
        self.tally.assign(self.tally + keras.ops.concatenate([keras.ops.reshape(above, (1,)),
                                                              rows]))

    def result(self):
        return self.tally.value[0] / self.tally.value[1]


def test_user_metric_subclass_state_is_updated_in_fit(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    metric = CountAbove()
    model.compile("sgd", "binary_crossentropy", metrics=[metric])
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    assert logs["count_above"] == pytest.approx(float(np.mean(pred > 0.5)), abs=1e-6)
    assert metric.tally.value[1] == 32  # four steps of 8 rows, one assign each
    metric.reset_state()
    assert not metric.tally.value.any()


def test_get_names_functions_and_configs():
    assert isinstance(keras.metrics.get("auc"), keras.metrics.AUC)
    assert isinstance(keras.metrics.get("MAPE"), keras.metrics.MeanAbsolutePercentageError)
    assert isinstance(keras.metrics.get(keras.metrics.Recall), keras.metrics.Recall)
    fn = keras.metrics.top_k_categorical_accuracy
    assert keras.metrics.get(fn) is fn
    config = keras.metrics.serialize(keras.metrics.Precision(thresholds=[0.2, 0.7], name="p"))
    restored = keras.metrics.get(config)
    assert isinstance(restored, keras.metrics.Precision)
    assert restored.get_config()["thresholds"] == [0.2, 0.7] and restored.name == "p"
    wrapper = keras.metrics.deserialize(keras.metrics.serialize(
        keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, threshold=0.3)))
    assert wrapper._fn is keras.metrics.binary_accuracy
    assert wrapper._fn_kwargs == {"threshold": 0.3}
    with pytest.raises(ValueError, match="Could not interpret metric identifier: nope"):
        keras.metrics.get("nope")


def test_compile_names_a_string_metric_by_its_string():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy",
                  metrics=["top_k_categorical_accuracy", "AUC"])
    x = np.ones((4, 3), "float32")
    logs = model.evaluate(x, np.eye(4, dtype="float32"), verbose=0, return_dict=True)
    assert set(logs) == {"loss", "top_k_categorical_accuracy", "AUC"}
    assert logs["top_k_categorical_accuracy"] == 1.0  # 4 classes, k=5


@pytest.mark.parametrize("make, message", [
    (lambda: keras.metrics.Precision(thresholds=[0.5, 1.5]), "Threshold values must be in"),
    (lambda: keras.metrics.AUC(curve="area"), "Invalid AUC curve value"),
    (lambda: keras.metrics.AUC(num_thresholds=1), "num_thresholds"),
    (lambda: keras.metrics.RecallAtPrecision(1.2), "precision"),
    (lambda: keras.metrics.FBetaScore(beta=2), "beta"),
    (lambda: keras.metrics.F1Score(average="all"), "average"),
    (lambda: keras.metrics.R2Score(num_regressors=-1), "num_regressors"),
    (lambda: keras.metrics.IoU(3, [3]), "out of range"),
])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_confusion_counts_are_one_vector_update_per_step():
    """A Recall with 3 thresholds keeps (3,) float32 counts updated by the step's effects."""
    metric = keras.metrics.Recall(thresholds=[0.2, 0.5, 0.8])
    assert [(v.name, v.shape, v.dtype) for v in metric.variables] == [
        ("true_positives", (3,), "float32"), ("false_negatives", (3,), "float32")]
    metric.update_state([1, 1, 0, 1], [0.9, 0.3, 0.7, 0.6])
    np.testing.assert_allclose(metric.result(), [1.0, 2 / 3, 1 / 3], rtol=1e-6)
