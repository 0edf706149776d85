"""Layer hooks that run inside the compiled step: add_loss() and variable assignments in
call() (their numbers against real Keras are in tests/trainers/test_keras_semantics.py)."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.graph import Variable
from fastkeras.layers import Dense


class _Penalty(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(keras.ops.mean(keras.ops.square(inputs)))
        return inputs


def test_add_loss_in_an_eager_call_is_kept_until_the_next_call():
    layer = _Penalty()
    layer(np.full((2, 3), 2.0, "float32"))
    np.testing.assert_allclose(layer.losses, [4.0])
    layer(np.ones((2, 3), "float32"))
    np.testing.assert_allclose(layer.losses, [1.0])
    model = keras.Sequential([Dense(3, input_shape=(3,)), layer])
    assert len(model.losses) == 1  # the sublayer's, reported by the model


def test_steps_with_layer_losses_or_state_updates_are_not_sharded(backend):
    """add_loss terms may mix rows and assign has no sharded form: such W1-sized steps run
    whole (a sharded step would average or repeat them wrongly)."""
    class Counter(keras.layers.Layer):
        def build(self, input_shape):
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False)

        def call(self, inputs, training=None):
            if training:
                self.calls.assign(self.calls + 1.0)
            return inputs

    x = np.random.default_rng(0).normal(size=(64, 32)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    for extra in (_Penalty(), Counter()):
        model = keras.Sequential([Dense(64, activation="relu", input_shape=(32,)), extra,
                                  Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        kinds = {type(e).__name__ for e in model._steps._executors.values()}
        assert not any("Sharded" in k for k in kinds), kinds
    assert float(extra.calls.numpy()) == 4.0  # 2 epochs x 2 steps


def test_variable_arithmetic_and_assign_helpers():
    v = Variable(value=np.array([1.0, 2.0], "float32"))
    np.testing.assert_array_equal(v + 1.0, [2.0, 3.0])
    np.testing.assert_array_equal(2.0 * v - v / 2.0, [1.5, 3.0])
    v.assign_add(np.ones(2, "float32"))
    v.assign_sub(np.array([0.5, 0.5], "float32"))
    np.testing.assert_array_equal(v.numpy(), [1.5, 2.5])


def test_shape_errors_of_a_symbolic_call_show_the_batch_as_none():
    import fastkeras as keras
    dense = keras.layers.Dense(3)
    dense.build((None, 4))
    with pytest.raises(ValueError, match=r"received input with shape \(None, 5\)"):
        dense(keras.Input((5,)))
    with pytest.raises(ValueError, match=r"got shape \(None, 5, 3\)"):
        keras.layers.RepeatVector(2)(keras.Input((5, 3)))


def test_an_unknown_axis_stays_unknown_through_layers():
    """Input((None, 4)): an output axis that follows the unknown one is None (Keras's
    shapes), one that does not is known; the model runs on any length."""
    x = keras.Input((None, 4))
    assert keras.layers.Dense(3)(x).shape == (None, None, 3)
    assert keras.layers.Conv1D(5, 3)(x).shape == (None, None, 5)
    assert keras.layers.LSTM(6, return_sequences=True)(x).shape == (None, None, 6)
    assert keras.layers.GlobalAveragePooling1D()(x).shape == (None, 4)
    ids = keras.Input((None,), dtype="int32")
    h = keras.layers.LSTM(6)(keras.layers.Embedding(50, 8, mask_zero=True)(ids))
    model = keras.Model(ids, keras.layers.Dense(1)(h))
    assert model.output_shape == (None, 1)
    for length in (3, 11):
        assert model.predict(np.ones((2, length), "int32"), verbose=0).shape == (2, 1)
