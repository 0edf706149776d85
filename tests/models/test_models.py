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


def test_deserialize_unknown_layer_names_it():
    with pytest.raises(TypeError, match="Could not locate class 'Conv9D'"):
        keras.layers.deserialize({"class_name": "Conv9D", "config": {}})


# ---- Keras 3 behaviours of models (issue [5]) ---------------------------------------------
def test_functional_model_is_a_keras_functional():
    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, Dense(1)(inputs))
    assert type(model).__name__ == "Functional" and isinstance(model, keras.Model)
    assert model.name.startswith("functional")
    assert model.input is inputs and model.output is model.outputs[0]


def test_get_layer_errors_as_keras():
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(2, name="a"), Dense(1, name="b")])
    assert model.get_layer("b") is model.get_layer(index=1)
    with pytest.raises(ValueError, match=r"No such layer: zzz. Existing layers are: \['a', 'b'\]"):
        model.get_layer("zzz")
    with pytest.raises(ValueError, match="retrieve layer at index 5 but model only has 2"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="Provide only a layer name or a layer index"):
        model.get_layer("a", 0)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()


def test_subclassed_model_tracks_layers_in_lists_and_dicts(backend):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [Dense(8, activation="relu"), Dense(8, activation="relu")]
            self.heads = {"a": Dense(1), "b": Dense(1)}
            self.extra = []
            self.extra.append(Dense(1))  # appended after the assignment: tracked too

        def call(self, inputs, training=None):
            h = inputs
            for block in self.blocks:
                h = block(h)
            return self.heads["a"](h) + self.heads["b"](h) + self.extra[0](h)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = Net()
    assert not model.built
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=5, verbose=0)
    assert model.built
    assert len(model.layers) == 5 and len(model.trainable_weights) == 10
    assert history.history["loss"][-1] < history.history["loss"][0]
    before = model.heads["b"].get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(model.heads["b"].get_weights()[0], before)  # dict values train


def test_shared_layer_has_one_weight_set_trained_by_both_uses(backend):
    shared = Dense(2, use_bias=False)
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    model = keras.Model([a, b], keras.layers.Add()([shared(a), shared(b)]))
    assert len(model.weights) == 1
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")
    y = rng.normal(size=(4, 2)).astype("float32")
    (k,) = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch([xa, xb], y)
    grad = (xa + xb).T @ (2 * ((xa + xb) @ k - y) / y.size)  # both uses contribute
    np.testing.assert_allclose(model.get_weights()[0], k - 0.1 * grad, rtol=1e-5, atol=1e-6)


def test_nested_models_train_inside_a_functional_model(backend):
    encoder = keras.Sequential([Dense(4, activation="tanh")], name="enc")
    inner_in = keras.Input(shape=(4,))
    head = keras.Model(inner_in, Dense(1)(inner_in), name="head")
    x_in = keras.Input(shape=(3,))
    model = keras.Model(x_in, head(encoder(x_in)))
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x[:, :1] * 2
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert [layer.name for layer in model.layers][1:] == ["enc", "head"]


def test_frozen_layers_stay_bit_identical_and_batch_norm_runs_in_inference_mode(backend):
    norm = keras.layers.BatchNormalization()
    first = Dense(4)
    model = keras.Sequential([keras.Input(shape=(3,)), first, norm, Dense(1)])
    norm.trainable = False
    first.trainable = False
    assert first.trainable_weights == [] and len(first.non_trainable_weights) == 2
    assert [w.name for w in model.non_trainable_weights] == [
        "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"]
    assert len(model.trainable_weights) == 2
    frozen = [w.copy() for w in first.get_weights() + norm.get_weights()]
    x = np.random.default_rng(0).normal(3, 2, size=(16, 3)).astype("float32")
    y = np.ones((16, 1), "float32")
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    # Keras 3: a frozen BatchNormalization normalizes with its moving statistics even in
    # training, so a training step's loss is the inference loss.
    train_loss = float(np.asarray(model.train_on_batch(x, y)).ravel()[0])
    eval_loss = float(np.asarray(model.evaluate(x, y, verbose=0)).ravel()[0])
    assert train_loss == pytest.approx(eval_loss, rel=1e-5)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, epochs=3, verbose=0)
    for a, b in zip(first.get_weights() + norm.get_weights(), frozen):
        np.testing.assert_array_equal(a, b)


def test_the_models_training_flag_overrides_a_calls_own_as_keras():
    """Keras 3: `Dropout(...)(x, training=True)` in a functional model is still off in
    predict (the model's training=False wins)."""
    inputs = keras.Input(shape=(200,))
    model = keras.Model(inputs, keras.layers.Dropout(0.5)(inputs, training=True))
    x = np.ones((2, 200), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_bad_inputs_are_keras_errors():
    dense = Dense(2)
    dense(keras.Input(shape=(3,)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        dense(keras.Input(shape=(4,)))
    with pytest.raises(ValueError, match="last dimension of the inputs must be known"):
        Dense(2)(keras.Input(shape=()))
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        keras.layers.Concatenate()([keras.Input(shape=(2, 3)), keras.Input(shape=(3,))])
    p, q = keras.Input(shape=(3,), name="p"), keras.Input(shape=(2,), name="q")
    model = keras.Model({"p": p, "q": q}, keras.layers.Concatenate()([p, q]))
    with pytest.raises(ValueError, match='Missing data for input "q"'):
        model.predict({"p": np.ones((2, 3), "float32")}, verbose=0)
    single = keras.Model(p, {"out": Dense(1)(p)})
    single.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="'nope', which matches no model output"):
        single.fit(np.ones((4, 3), "float32"), {"nope": np.ones((4, 1), "float32")}, verbose=0)
    stack = keras.Sequential([keras.Input(shape=(3,)), Dense(2)])
    with pytest.raises(ValueError, match="expected samples of shape \\(3,\\)"):
        stack.predict(np.ones((2, 5), "float32"), verbose=0)
    with pytest.raises((ValueError, NotImplementedError), match="list or dict of arrays"):
        stack.predict([np.ones((2, 3), "float32")] * 2, verbose=0)


def test_functional_model_frozen_by_its_constructor():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, Dense(2)(inputs), trainable=False)
    assert not model.layers[1].trainable and model.trainable_weights == []


def test_a_subclassed_models_layers_train_without_being_passed_training(backend):
    """Keras's call context: fit calls the model with training=True, and the layers its
    call() uses without passing `training` (BatchNormalization, Dropout) train too."""
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.norm = keras.layers.BatchNormalization()
            self.drop = keras.layers.Dropout(0.5)
            self.out = Dense(1, use_bias=False, kernel_initializer="ones")

        def call(self, inputs, training=None):
            return self.out(self.drop(self.norm(inputs)))

    x = np.random.default_rng(0).normal(2.0, 1.0, size=(64, 50)).astype("float32")
    y = np.zeros((64, 1), "float32")
    model = Net()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    train_losses = {round(float(np.asarray(model.train_on_batch(x, y)).ravel()[0]), 3)
                    for _ in range(3)}
    assert len(train_losses) == 3  # a new dropout mask each step
    assert np.abs(model.norm.moving_mean.numpy()).max() > 0.01  # batch statistics used
    before = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)  # inference: no noise


def test_a_training_call_on_data_runs_the_layers_in_training_mode():
    """model(x, training=True) on arrays: dropout drawn, BatchNormalization's moving
    statistics updated (Keras's eager call); the compiled predict then sees the new
    statistics, and training=False / no flag stay the deterministic inference."""
    import fastkeras as keras
    inp = keras.Input((8,))
    h = keras.layers.BatchNormalization()(keras.layers.Dense(16)(inp))
    out = keras.layers.Dense(2)(keras.layers.Dropout(0.5, seed=1)(h))
    model = keras.Model(inp, out)
    x = np.random.default_rng(0).standard_normal((32, 8)).astype(np.float32)
    bn = model.layers[2]
    before = bn.moving_mean.numpy().copy()
    first, second = (np.asarray(model(x, training=True)) for _ in range(2))
    assert not np.allclose(first, second)  # a new dropout mask each call
    assert np.abs(bn.moving_mean.numpy() - before).max() > 0
    after = np.asarray(model(x))
    np.testing.assert_array_equal(after, np.asarray(model(x, training=False)))
    eager = np.asarray(keras.layers.Layer.__call__(model, x, training=False))
    np.testing.assert_allclose(after, eager, rtol=1e-5, atol=1e-5)
