"""The optimizer API around the formulas: identifiers, (de)serialization, Keras's argument
errors, learning_rate/iterations, variable order under the options, and the composite
update against the native kernel on every backend."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import optimizers

NAMES = {"adam": "Adam", "adamw": "AdamW", "adamax": "Adamax", "nadam": "Nadam",
         "rmsprop": "RMSprop", "sgd": "SGD", "adagrad": "Adagrad", "adadelta": "Adadelta",
         "ftrl": "Ftrl", "lion": "Lion"}


@pytest.mark.parametrize("name", list(NAMES))
def test_get_by_name_any_case(name):
    assert type(optimizers.get(name)).__name__ == NAMES[name]
    assert type(optimizers.get(NAMES[name])).__name__ == NAMES[name]


def test_get_unknown_and_none():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get("adamz")
    assert optimizers.get(None) is None


@pytest.mark.parametrize("cls", [optimizers.AdamW, optimizers.Ftrl, optimizers.RMSprop,
                                 optimizers.Nadam, optimizers.Lion])
def test_serialize_round_trip(cls):
    opt = cls(learning_rate=0.05, clipnorm=0.5, use_ema=True, ema_overwrite_frequency=3)
    config = optimizers.serialize(opt)
    assert config["class_name"] == cls.__name__
    again = optimizers.deserialize(config)
    assert type(again) is cls and again.get_config() == opt.get_config()
    assert type(optimizers.get(config)) is cls


@pytest.mark.parametrize("kwargs, match", [
    (dict(clipnorm=1.0, clipvalue=1.0), "Only one of `clipnorm`"),
    (dict(gradient_accumulation_steps=1), "gradient_accumulation_steps` must be an integer"),
    (dict(use_ema=True, ema_momentum=1.5), "ema_momentum` must be in the range"),
    (dict(use_ema=True, ema_overwrite_frequency=0.5), "ema_overwrite_frequency` must be"),
    (dict(bogus=1), "Argument\\(s\\) not recognized"),
])
def test_bad_options_raise_keras_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Adam(**kwargs)


def test_family_argument_errors():
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="degenerates to SignSGD"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)


def _dense():
    layer = keras.layers.Dense(2, name="d")
    layer.build((None, 3))
    return layer


def test_exclude_from_weight_decay_only_before_build():
    opt, layer = optimizers.AdamW(), _dense()
    opt.build(layer.trainable_weights)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["bias"])


def test_learning_rate_assignable_and_read_in_step(backend):
    layer = _dense()
    opt = optimizers.SGD(learning_rate=0.1)
    before = [w.copy() for w in layer.get_weights()]
    opt.learning_rate = 0.0
    assert opt.learning_rate == 0.0
    opt.apply_gradients(zip([np.ones((3, 2), "float32"), np.ones(2, "float32")],
                            layer.trainable_weights))
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert int(opt.iterations.numpy()) == 1


def test_iterations_count_updates_under_accumulation():
    layer, opt = _dense(), optimizers.SGD(0.1, gradient_accumulation_steps=3)
    grads = [np.ones((3, 2), "float32"), np.ones(2, "float32")]
    for _ in range(7):
        opt.apply_gradients(zip(grads, layer.trainable_weights))
    assert int(opt.iterations.numpy()) == 2  # Keras: applied updates (7 // 3)
    assert int(opt.variables[0].numpy()) == 7  # the stored counter counts every call


@pytest.mark.parametrize("options", [{}, {"global_clipnorm": 0.05}, {"weight_decay": 0.1},
                                     {"global_clipnorm": 0.05, "weight_decay": 0.1}])
def test_composite_adam_equals_native_kernel(backend, options):
    """Adam's composite (used under EMA/accumulation/amsgrad) is the native kernel's formula,
    with the global clip (0.05: every step clips) and decoupled decay folded in."""
    x = np.random.default_rng(0).standard_normal((64, 3)).astype("float32")
    y = x[:, :1] * 2.0
    results = []
    for native in (True, False):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dense(1)])
        opt = optimizers.Adam(0.01, **options)
        opt.use_native_kernel = native
        model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)
