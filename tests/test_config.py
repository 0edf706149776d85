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
