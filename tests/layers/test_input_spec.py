"""keras.InputSpec and the input checks Layer.__call__ runs with it, against real Keras 3
(fixtures/keras_input_spec.json, made by fixtures/make_keras_input_spec.py)."""

import json
import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers.input_spec import assert_input_compatibility

from ..fixtures import input_spec_cases as cases

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                       "keras_input_spec.json")) as f:
    KERAS = json.load(f)


class Checked(keras.layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(name="checked", **kwargs)
        self.input_spec = spec

    def call(self, x):
        return x


def make_spec(kwargs):
    if isinstance(kwargs, list):
        return [make_spec(k) for k in kwargs]
    return None if kwargs is None else keras.InputSpec(**kwargs)


def make_inputs(inputs, leaf):
    if isinstance(inputs, list):
        return [leaf(*i) for i in inputs]
    if isinstance(inputs, dict):
        return {k: leaf(*v) for k, v in inputs.items()}
    return None if inputs is None else leaf(*inputs)


def outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (compared with what Keras raised)
        return {"ok": False, "type": type(e).__name__, "message": str(e)}
    return {"ok": True}


def assert_same_outcome(ours, theirs):
    assert ours.get("ok") == theirs["ok"], (ours, theirs)
    if theirs["ok"]:
        return
    assert ours["type"] == theirs["type"]
    # The inputs' own repr (a jax Array, a KerasTensor) is the backend's, not the contract.
    cut = "Inputs received:"
    assert ours["message"].split(cut)[0] == theirs["message"].split(cut)[0]


def test_fixture_is_from_keras_3():
    assert KERAS["keras_version"].startswith("3.")
    assert set(KERAS["call"]) == set(cases.CALL_CASES)


@pytest.mark.parametrize("name", sorted(cases.CALL_CASES))
def test_layer_call_accepts_and_refuses_as_keras(name):
    spec, inputs = cases.CALL_CASES[name]
    eager = make_inputs(inputs, lambda s, d: np.zeros(s, d))
    symbolic = make_inputs(inputs, lambda s, d: keras.Input(batch_shape=(None,) + s[1:],
                                                            dtype=d))
    assert_same_outcome(outcome(lambda: Checked(make_spec(spec))(eager)),
                        KERAS["call"][name]["eager"])
    assert_same_outcome(outcome(lambda: Checked(make_spec(spec))(symbolic)),
                        KERAS["call"][name]["symbolic"])


@pytest.mark.parametrize("name", sorted(cases.FUNCTION_CASES))
def test_assert_input_compatibility_as_keras(name):
    spec, inputs = cases.FUNCTION_CASES[name]
    tensors = make_inputs(inputs, lambda s, d: keras.layers.KerasTensor(s, d))
    assert_same_outcome(outcome(lambda: assert_input_compatibility(make_spec(spec), tensors,
                                                                   "fn")),
                        KERAS["function"][name])


def config_json(config):
    return dict(config, axes=sorted([int(k), v] for k, v in config["axes"].items()),
                shape=None if config["shape"] is None else list(config["shape"]))


@pytest.mark.parametrize("name", sorted(cases.CONFIG_CASES))
def test_config_and_repr_as_keras(name):
    spec = keras.InputSpec(**cases.CONFIG_CASES[name])
    expected = KERAS["config"][name]
    assert config_json(spec.get_config()) == expected["config"]
    assert repr(spec) == expected["repr"]
    again = keras.layers.InputSpec.from_config(spec.get_config())
    assert config_json(again.get_config()) == expected["roundtrip"]


@pytest.mark.parametrize("name", sorted(cases.CONSTRUCTOR_ERRORS))
def test_bad_arguments_raise_as_keras(name):
    ours = outcome(lambda: keras.InputSpec(**cases.CONSTRUCTOR_ERRORS[name]))
    assert ours["ok"] is False
    assert_same_outcome(ours, KERAS["constructor"][name])


def test_exported_as_keras_does():
    assert keras.InputSpec is keras.layers.InputSpec
    assert "InputSpec" in keras.layers.__all__ and "InputSpec" in keras.__all__
    assert keras.layers.Dense(2).input_spec is None  # a layer without one checks nothing


class Projection(keras.layers.Layer):
    """A user layer as Keras 3 code writes it: input_spec set in __init__ and in build."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.input_spec = keras.InputSpec(min_ndim=2)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, x):
        return keras.ops.matmul(x, self.kernel)


def test_spec_set_in_build_checks_later_calls():
    layer = Projection(3, name="proj")
    assert layer(np.ones((4, 5), "float32")).shape == (4, 3)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 5, "
                                         r"but received input with shape \(4, 6\)"):
        layer(np.ones((4, 6), "float32"))
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        Projection(3, name="proj2")(np.ones((5,), "float32"))


def test_user_layer_with_spec_in_sequential_fits():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = x @ rng.normal(size=(5, 1)).astype("float32")
    model = keras.Sequential([keras.Input((5,)), Projection(4), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.predict(x, verbose=0).shape == (32, 1)


def test_functional_model_refuses_a_mismatched_input_when_built():
    inputs = keras.Input((7,))
    hidden = keras.layers.Dense(5)(inputs)
    Projection(3, name="proj3")(hidden)  # fits: built on (None, 5)
    layer = Projection(3, name="proj4")
    layer(keras.Input((5,)))
    with pytest.raises(ValueError, match="Input 0 with name 'None' of layer 'proj4' is "
                                         "incompatible with the layer: expected axis -1"):
        layer(inputs)


def test_optional_input_may_be_none_and_none_spec_checks_nothing():
    spec = [keras.InputSpec(ndim=2, optional=True), None]
    assert_input_compatibility(spec, [None, np.zeros((1, 2, 3))], "fn")
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=1"):
        assert_input_compatibility(spec, [np.zeros(3), None], "fn")


def test_a_layer_given_as_input_is_refused():
    with pytest.raises(ValueError, match="Inputs to a layer should be tensors. .* as input "
                                         "for layer 'fn'"):
        assert_input_compatibility(keras.InputSpec(ndim=2), keras.layers.Dense(2), "fn")


def test_sequential_with_input_refuses_a_mismatched_layer_as_it_is_built():
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 6, "
                                         r"but received input with shape \(None, 5\)"):
        keras.Sequential([keras.Input((5,)), Checked(keras.InputSpec(axes={-1: 6}))])
    # A fixed batch size in the spec is not held against the unknown batch axis.
    model = keras.Sequential([keras.Input((5,)), Checked(keras.InputSpec(shape=(4, 5)))])
    assert model.predict(np.zeros((4, 5)), verbose=0).shape == (4, 5)
    with pytest.raises(ValueError, match=r"expected shape=\(4, 5\), found shape=\(3, 5\)"):
        model.predict(np.zeros((3, 5)), verbose=0)


class Outer(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Checked(keras.InputSpec(shape=(None, None, 3)))

    def call(self, x):
        return self.inner(x)


def test_inner_layer_is_checked_against_the_unknown_axes_of_a_functional_call():
    assert Outer()(keras.Input((None, 3))).shape == (None, None, 3)
    with pytest.raises(ValueError, match=r"expected shape=\(None, None, 3\), found "
                                         r"shape=\(None, None, 4\)"):
        Outer()(keras.Input((None, 4)))
