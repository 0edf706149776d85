"""keras.config / mixed_precision / dtype_policies names, and fit's max_epochs cap."""

import warnings

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import config


def test_floatx_epsilon_only_the_supported_values():
    config.set_floatx("float32")
    config.set_epsilon(config.epsilon())
    assert config.floatx() == "float32" and config.epsilon() == 1e-7
    with pytest.raises(NotImplementedError, match="float32"):
        config.set_floatx("float64")
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        config.set_floatx("float8")
    with pytest.raises(NotImplementedError, match="epsilon"):
        config.set_epsilon(1e-5)
    assert config.epsilon() == 1e-7


def test_dtype_policies():
    assert keras.mixed_precision.global_policy().name == "float32"
    keras.mixed_precision.set_global_policy("float32")
    policy = config.dtype_policy()
    assert policy == keras.dtype_policies.DTypePolicy("float32")
    assert (policy.compute_dtype, policy.variable_dtype) == ("float32", "float32")
    assert keras.mixed_precision.Policy is keras.dtype_policies.DTypePolicy
    for name in ("mixed_float16", "mixed_bfloat16", "float16"):
        with pytest.raises(NotImplementedError, match=name):
            config.set_dtype_policy(name)
    with pytest.raises(ValueError, match="Cannot convert"):
        keras.dtype_policies.DTypePolicy("int7")
    assert keras.layers.Dense(2, dtype=policy).dtype == "float32"


def test_flags_keep_their_value():
    for flag in ("interactive_logging", "traceback_filtering"):
        getattr(config, f"disable_{flag}")()
        assert getattr(config, f"is_{flag}_enabled")() is False
        getattr(config, f"enable_{flag}")()
        assert getattr(config, f"is_{flag}_enabled")() is True
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None  # Keras: "where possible"
    assert config.is_nnx_enabled() is False
    assert keras.utils.is_interactive_logging_enabled() is True


def test_max_epochs_caps_fit(monkeypatch):
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    config.set_max_epochs(2)
    try:
        with pytest.warns(UserWarning, match="Limiting epochs to 2"):
            history = model.fit(x, y, epochs=5, verbose=0)
        assert len(history.history["loss"]) == 2
        config.set_max_steps_per_epoch(3)
        assert config.max_steps_per_epoch() == 3
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(model.fit(x, y, epochs=3, verbose=0).history["loss"]) == 3


def test_max_steps_per_epoch_caps_fit_evaluate_and_predict_as_keras():
    # What real Keras 3.15.1 (JAX) does with the same script: every epoch iterator is cut to
    # the cap, and an array's batch size comes from the capped steps (100 rows, 2 steps:
    # batches of 50, so predict still returns every row).
    import warnings
    import fastkeras as keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    seen = []

    class Hooks(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None): seen.append(("train", batch))
        def on_test_batch_end(self, batch, logs=None): seen.append(("test", batch))
        def on_predict_batch_end(self, batch, logs=None): seen.append(("predict", batch))

    x, y = np.ones((100, 3), "float32"), np.ones((100, 1), "float32")
    config.set_max_steps_per_epoch(2)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(x, y, epochs=1, verbose=0, callbacks=[Hooks()], validation_data=(x, y))
            model.evaluate(x, y, verbose=0, callbacks=[Hooks()])
            out = model.predict(x, verbose=0, callbacks=[Hooks()])
    finally:
        config.set_max_steps_per_epoch(None)
    assert seen == [("train", 0), ("train", 1), ("test", 0), ("test", 1), ("test", 0),
                    ("test", 1), ("predict", 0), ("predict", 1)]
    assert out.shape == (100, 1)
    assert any("Limiting steps_per_epoch to 2" in str(w.message) for w in caught)
