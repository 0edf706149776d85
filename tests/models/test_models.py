"""Sequential, functional and subclassed models: construction, weights, errors."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Activation, Dense


def test_sequential_add_and_input_forms():
    m1 = keras.Sequential([keras.Input(shape=(3,)), Dense(2)])
    m2 = keras.Sequential()
    m2.add(Dense(2, input_shape=(3,)))
    m3 = keras.Sequential([Dense(2)])
    m3.build((None, 3))
    for m in (m1, m2, m3):
        assert [w.shape for w in m.get_weights()] == [(3, 2), (2,)]
        assert m.input_shape == (None, 3) and m.output_shape == (None, 2)
    assert len(m1.layers) == 1  # the InputLayer is not one of Sequential's layers


def test_deferred_build_from_data():
    model = keras.Sequential([Dense(4, activation="relu"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 6), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert model.get_weights()[0].shape == (6, 4)


def test_get_set_weights_round_trip_and_errors():
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(2), Dense(1)])
    ws = [np.full(w.shape, i, "float32") for i, w in enumerate(model.get_weights())]
    model.set_weights(ws)
    for a, b in zip(model.get_weights(), ws):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expects 4 weights"):
        model.set_weights(ws[:3])
    with pytest.raises(ValueError, match=r"shape \(3, 2\) is not compatible.*\(2, 3\)"):
        model.set_weights([np.zeros((2, 3))] + ws[1:])


def test_layer_names_are_unique_and_snake_case():
    a, b = Dense(1), Dense(1)
    assert a.name.startswith("dense") and a.name != b.name
    assert Activation("relu").name.startswith("activation")


def test_functional_model_graph_and_nested_model(backend):
    inputs = keras.Input(shape=(4,))
    x = Dense(3, activation="tanh")(inputs)
    inner = keras.Model(inputs, x)
    outer_in = keras.Input(shape=(4,))
    out = Dense(1)(inner(outer_in))
    model = keras.Model(inputs=outer_in, outputs=out)
    assert len(model.get_weights()) == 4
    x_np = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    want = np.tanh(x_np @ k1 + b1) @ k2 + b2
    np.testing.assert_allclose(model.predict(x_np, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_graph_disconnected_is_an_error():
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(inputs=a, outputs=Dense(1)(b))


def test_subclassed_model_trains(backend):
    class MLP(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(8, activation="relu")
            self.out = Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = MLP()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    h = model.fit(x, y, epochs=5, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert len(model.trainable_weights) == 4


def test_trainable_false_freezes_weights(backend):
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(4), Dense(1)])
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3), "float32"), np.zeros((8, 1), "float32"), verbose=0)
    for a, b in zip(model.layers[0].get_weights(), frozen):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_count_params_and_summary(capsys):
    model = keras.Sequential([keras.Input(shape=(5,)), Dense(10), Dense(1)])
    assert model.count_params() == 5 * 10 + 10 + 10 + 1
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 71" in out and "dense" in out


def test_ops_on_keras_tensors_become_layers(backend):
    inputs = keras.Input(shape=(3,))
    x = keras.ops.relu(Dense(4)(inputs))
    out = keras.ops.add(Dense(1)(x), 1.0)
    model = keras.Model(inputs, out)
    data = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    want = np.maximum(data @ k1 + b1, 0) @ k2 + b2 + 1.0
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_sequential_starting_with_input_builds_each_layer_once():
    """Keras builds layer by layer as they are added; re-running the whole stack at every
    add made a 1,000-layer model take ~30 s (the calls counted here grew as n^2 / 2)."""
    calls = []

    class Counted(Dense):
        def call(self, inputs):
            calls.append(self.name)
            return super().call(inputs)

    n = 60
    model = keras.Sequential([keras.Input(shape=(3,))] + [Counted(3) for _ in range(n)])
    assert len(calls) <= 2 * n
    assert model.output_shape == (None, 3)
    model.pop()
    model.add(Dense(2))
    assert model.output_shape == (None, 2)
    assert [w.shape for w in model.get_weights()][-2:] == [(3, 2), (2,)]


def test_input_with_a_zero_sized_axis_builds_and_trains(backend):
    """Keras builds it; the layer's trace used to turn the 0 into 1 and quote a shape the
    user never made."""
    inp = keras.Input(shape=(0,))
    model = keras.Model(inp, Dense(2)(inp))
    assert model.get_weights()[0].shape == (0, 2)
    x = np.zeros((4, 0), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.zeros((4, 2)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.ones((4, 2), "float32"), epochs=2, verbose=0)
    bias = model.get_weights()[1]
    assert (bias > 0).all()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.tile(bias, (4, 1)))


def test_deepcopy_of_a_trained_model_is_independent(backend):
    """Keras models deep-copy; the executors are caches and the copy builds its own."""
    import copy
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([Dense(4, activation="relu", input_shape=(5,)),
                              Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    twin = copy.deepcopy(model)
    np.testing.assert_array_equal(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(twin.optimizer.iterations.value) == int(model.optimizer.iterations.value) == 4
    before = model.get_weights()
    twin.fit(x, y, epochs=2, verbose=0)  # continues with the copied optimizer state
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(twin.get_weights()[0], before[0])
    assert int(twin.optimizer.iterations.value) == 8
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(model.get_weights()[0], before[0])


@pytest.mark.parametrize("first", ["input", "input_shape", "none"])
def test_sequential_config_round_trip(first):
    layers = [Dense(4, activation="relu"), Dense(1, activation="sigmoid")]
    if first == "input":
        layers.insert(0, keras.Input(shape=(5,)))
    elif first == "input_shape":
        layers[0] = Dense(4, activation="relu", input_shape=(5,))
    model = keras.Sequential(layers, name="stack")
    if first == "none":
        model.build((None, 5))
    config = model.get_config()
    assert config["dtype"] == "float32"
    clone = keras.Sequential.from_config(config)
    assert clone.name == "stack"
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert [type(layer).__name__ for layer in clone.layers] == ["Dense", "Dense"]
    assert clone.layers[0].get_config()["activation"] == "relu"
    assert clone.get_config()["layers"] == config["layers"]


def test_deserialize_unknown_layer_names_it():
    with pytest.raises(TypeError, match="Could not locate class 'Conv9D'"):
        keras.layers.deserialize({"class_name": "Conv9D", "config": {}})
