"""keras.models.clone_model (models/cloning.py): new layers with the same configs and new,
freshly initialized weights; Keras 3's arguments and errors."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Add, Dense, Dropout


@keras.saving.register_keras_serializable("tests_cloning")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), "random_normal", name="w")

    def call(self, x):
        return x * self.w * self.factor


def _functional():
    x = keras.Input(shape=(4,), name="x")
    shared = Dense(4, name="shared")
    out = Add(name="add")([shared(x), shared(Scale(3.0, name="scale")(x))])
    return keras.Model(x, keras.ops.relu(out), name="orig")


def _new_weights(clone, model):
    assert len(clone.weights) == len(model.weights)
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert any(not np.array_equal(a, b) for a, b in zip(clone.get_weights(),
                                                        model.get_weights()))


def test_functional_clone_has_new_layers_and_the_same_graph(backend):
    model = _functional()
    clone = keras.models.clone_model(model)
    assert type(clone).__name__ == "Functional" and clone.name == "orig"
    assert [(l.name, type(l)) for l in clone.layers] == [(l.name, type(l)) for l in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert clone.layers[1].factor == 3.0
    _new_weights(clone, model)
    assert len(clone.weights) == 3  # the shared Dense stays shared: one kernel, one bias
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert clone.get_config() == model.get_config()


def test_sequential_clone_keeps_input_and_compilation(backend):
    model = keras.Sequential([keras.Input(shape=(3,), name="inp"), Dense(5), Scale(),
                              Dense(1)], name="stack")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    clone = keras.models.clone_model(model)
    assert type(clone) is keras.Sequential and clone.name == "stack"
    assert clone.input_shape == (None, 3) and clone.inputs[0].name == "inp"
    _new_weights(clone, model)
    assert clone.compiled and isinstance(clone.optimizer, keras.optimizers.Adam)
    assert clone.optimizer is not model.optimizer
    assert clone.optimizer.learning_rate == pytest.approx(0.01)
    clone.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), verbose=0)


def test_clone_function_and_call_function():
    model = _functional()
    same = keras.models.clone_model(model, clone_function=lambda layer: layer)
    assert [a is b for a, b in zip(same.layers[1:], model.layers[1:])] == [True] * 3

    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        return Dropout(0.5)(out) if isinstance(layer, Dense) else out

    with_dropout = keras.models.clone_model(model, call_function=call_function)
    assert [type(l).__name__ for l in with_dropout.layers].count("Dropout") == 2


def test_recursive_clones_inner_models_with_clone_model():
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    inner = keras.Sequential([keras.Input(shape=(4,)), Dense(2, name="inner_dense")],
                             name="inner")
    x = keras.Input(shape=(4,), name="x")
    model = keras.Model(x, inner(x))
    keras.models.clone_model(model, clone_function=clone_function)
    assert seen == ["inner"]
    seen.clear()
    clone = keras.models.clone_model(model, clone_function=clone_function, recursive=True)
    assert seen == ["inner_dense"] and clone.layers[1] is not inner


def test_input_tensors_replace_the_inputs():
    model = _functional()
    new_input = keras.Input(shape=(4,), name="fresh")
    clone = keras.models.clone_model(model, input_tensors=new_input)
    assert clone.inputs[0] is new_input
    with pytest.raises(ValueError, match="same structure as model.input"):
        keras.models.clone_model(model, input_tensors=[new_input, new_input])
    with pytest.raises(ValueError, match="must be KerasTensors"):
        keras.models.clone_model(model, input_tensors=np.ones((1, 4)))


class Sub(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = Dense(units)

    def call(self, x):
        return self.dense(x)


def test_subclassed_models_follow_keras():
    model = Sub(units=4)
    model(np.ones((2, 5), "float32"))
    clone = keras.models.clone_model(model)  # rebuilt from its (automatic) config
    assert type(clone) is Sub and clone.units == 4 and clone.built
    assert [w.shape for w in clone.weights] == [(5, 4), (4,)]
    with pytest.raises(ValueError, match="only supported for Sequential models or Functional"):
        keras.models.clone_model(model, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="`call_function` is only supported for Functional"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))

    class NoConfig(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(TypeError, match="Unable to revive model from config"):
        keras.models.clone_model(NoConfig())


def test_bad_arguments():
    model = keras.Sequential([keras.Input(shape=(2,)), Dense(1)])
    with pytest.raises(ValueError, match=r"Unexpected keyword argument\(s\): \('foo',\)"):
        keras.models.clone_model(model, foo=1)
    with pytest.raises(ValueError, match="not supported with Sequential models"):
        keras.models.clone_model(model, call_function=lambda layer, *a: layer(*a))
    with pytest.raises(ValueError, match="must contain a single tensor"):
        keras.models.clone_model(model, input_tensors=[keras.Input((2,)), keras.Input((2,))])
