"""A model's compile config (models/compile_config.py): Keras 3's keys, and a model read
back from its config compiled the same way."""

import json
import warnings

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense


def _model():
    return keras.Sequential([keras.Input(shape=(3,)), Dense(1)])


def test_compile_config_has_keras_keys_and_the_resolved_optimizer():
    model = _model()
    assert model.get_compile_config() == {}
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    config = model.get_compile_config()
    assert list(config) == ["optimizer", "loss", "loss_weights", "metrics",
                            "weighted_metrics", "run_eagerly", "steps_per_execution",
                            "jit_compile"]
    assert config["optimizer"]["class_name"] == "SGD"
    assert (config["loss"], config["metrics"], config["jit_compile"]) == ("mse", ["mae"], True)


def test_model_from_json_is_compiled_and_trains():
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=keras.losses.MeanSquaredError(),
                  metrics=[keras.metrics.MeanAbsoluteError()])
    again = keras.models.model_from_json(model.to_json())
    assert again.compiled and isinstance(again.optimizer, keras.optimizers.Adam)
    assert again.optimizer.learning_rate == pytest.approx(0.05)
    assert isinstance(again.loss, keras.losses.MeanSquaredError)
    history = again.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)
    assert "mean_absolute_error" in history.history


def test_a_custom_compile_is_not_called_on_load():
    class Custom(keras.Model):
        def compile(self, *args, **kwargs):
            super().compile(*args, **kwargs)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Custom()
        model.compile_from_config({"optimizer": "sgd", "loss": "mse"})
    assert not model.compiled and "custom" in str(caught[0].message)


def test_uncompiled_model_json_has_an_empty_compile_config():
    text = _model().to_json()
    assert json.loads(text)["compile_config"] == {}
    assert not keras.models.model_from_json(text).compiled
