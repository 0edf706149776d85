"""A functional model's config (models/functional_config.py, models/op_nodes.py): node
indices of shared layers and nested models, the read-back algorithm, Keras 2's node form,
ops, custom layers, and the errors Keras raises. The Keras-written fixtures are checked in
test_keras_models.py."""

import json

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Add, Dense


def _round_trip(model, custom_objects=None):
    config = json.loads(json.dumps(model.get_config()))
    return keras.Model.from_config(config, custom_objects=custom_objects), config


def _same_outputs(a, b, x):
    b.set_weights(a.get_weights())
    got, want = b.predict(x, verbose=0), a.predict(x, verbose=0)
    for g, w in zip(got if isinstance(got, list) else [got],
                    want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_layers_shared_at_different_depths_read_back():
    """A(B(A(B(x)))): a node of A waits for a later node of B (Keras's pending queue)."""
    a, b = Dense(3, name="a"), Dense(3, name="b")
    x = keras.Input(shape=(3,), name="x")
    model = keras.Model(x, a(b(a(b(x)))))
    clone, config = _round_trip(model)
    entries = {e["name"]: e for e in config["layers"]}
    history = [n["args"][0]["config"]["keras_history"] for n in entries["a"]["inbound_nodes"]]
    assert history == [["b", 0, 0], ["b", 1, 0]]
    assert config["output_layers"] == ["a", 1, 0]  # one tensor, as given
    assert len(clone.weights) == 4
    _same_outputs(model, clone, np.ones((2, 3), "float32"))


def test_nested_functional_model_nodes_count_from_one_in_outputs():
    inner_in = keras.Input(shape=(2,), name="inner_in")
    inner = keras.Model(inner_in, Dense(2, name="d")(inner_in), name="inner")
    x = keras.Input(shape=(2,), name="x")
    first = inner(x)
    second = inner(first)
    model = keras.Model(x, [Add(name="add")([first, second]), second])
    clone, config = _round_trip(model)
    add = next(e for e in config["layers"] if e["name"] == "add")
    assert [t["config"]["keras_history"] for t in add["inbound_nodes"][0]["args"][0]] == [
        ["inner", 0, 0], ["inner", 1, 0]]
    assert config["output_layers"] == [["add", 0, 0], ["inner", 2, 0]]  # Keras's +1
    inner_entry = next(e for e in config["layers"] if e["name"] == "inner")
    assert inner_entry["module"] == "keras.src.models.functional"
    assert inner_entry["registered_name"] == "Functional"
    assert inner_entry["inbound_nodes"][0]["kwargs"] == {"mask": None}
    _same_outputs(model, clone, np.ones((3, 2), "float32"))


def test_keras_2_node_lists_are_read():
    config = {"name": "old", "trainable": True,
              "layers": [
                  {"class_name": "InputLayer", "name": "in",
                   "config": {"batch_shape": [None, 3], "dtype": "float32", "name": "in"},
                   "inbound_nodes": []},
                  {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2},
                   "inbound_nodes": [[["in", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}
    model = keras.Model.from_config(config)
    assert [layer.name for layer in model.layers] == ["in", "d"]
    assert model.output_shape == (None, 2)


def test_a_config_with_a_loop_or_an_unknown_layer_is_refused():
    x = keras.Input(shape=(2,), name="x")
    config = json.loads(json.dumps(keras.Model(x, Dense(2, name="d")(x)).get_config()))
    config["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["d", 0, 0]
    with pytest.raises(ValueError, match="Invalid Functional model configuration"):
        keras.Model.from_config(config)
    config["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["zz", 0, 0]
    with pytest.raises(ValueError, match="Unknown layer: zz"):
        keras.Model.from_config(config)


def test_call_keyword_arguments_are_kept():
    x = keras.Input(shape=(4,), name="x")
    model = keras.Model(x, keras.layers.Dropout(0.5, name="drop")(x, training=True))
    clone, config = _round_trip(model)
    assert config["layers"][1]["inbound_nodes"][0]["kwargs"] == {"training": True}
    assert clone.layers[1]._calls[0].kwargs == {"training": True}


def test_registered_custom_layer_round_trips_with_its_automatic_config():
    @keras.saving.register_keras_serializable("tests_fc")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):  # no get_config: Keras's automatic one
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), "ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

    x = keras.Input(shape=(3,), name="x")
    model = keras.Model(x, Scale(3.0, name="scale")(x))
    clone, config = _round_trip(model)
    entry = config["layers"][1]
    assert entry["registered_name"] == "tests_fc>Scale" and entry["module"] is None
    assert entry["config"]["factor"] == 3.0 and entry["build_config"] == {"input_shape": [None, 3]}
    assert type(clone.layers[1]) is Scale and clone.layers[1].factor == 3.0
    _same_outputs(model, clone, np.ones((2, 3), "float32"))


def test_subclass_with_a_functional_constructor_is_revived_as_its_class():
    class Wrapped(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

    x = keras.Input(shape=(2,), name="x")
    model = Wrapped(x, Dense(1, name="d")(x), name="wrapped")
    clone = Wrapped.from_config(model.get_config())
    assert type(clone) is Wrapped and clone.name == "wrapped"

    class Custom(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

    assert Custom(units=5).get_config()["units"] == 5
    assert Custom.from_config(Custom(units=5).get_config()).units == 5
    with pytest.raises(TypeError, match="Unable to revive model from config"):
        Custom.from_config({"nope": 1})


def test_ops_are_written_as_keras_operations_and_read_back():
    x = keras.Input(shape=(3,), name="x")
    h = keras.ops.relu(Dense(4, name="d")(x))
    y = keras.ops.clip(keras.ops.mean(h * 2.0, axis=-1, keepdims=True), 0.0, 1.0)
    model = keras.Model(x, y)
    clone, config = _round_trip(model)
    ops = [e for e in config["layers"] if e["module"].startswith("keras.src.ops")]
    assert [(e["module"], e["class_name"]) for e in ops] == [
        ("keras.src.ops.nn", "Relu"), ("keras.src.ops.numpy", "Multiply"),
        ("keras.src.ops.numpy", "Mean"), ("keras.src.ops.numpy", "Clip")]
    mean, clip = ops[2], ops[3]
    assert {k: v for k, v in mean["config"].items() if k != "name"} == {
        "axis": -1, "keepdims": True}
    assert clip["config"]["x_min"] == 0.0 and len(clip["inbound_nodes"][0]["args"]) == 1
    assert [layer.name for layer in clone.layers] == ["x", "d"]  # ops are not layers
    _same_outputs(model, clone, np.random.default_rng(0).normal(size=(4, 3)).astype("float32"))


def test_an_op_fastkeras_lacks_is_named():
    config = {"name": "m", "trainable": True,
              "layers": [{"module": "keras.src.ops.math", "class_name": "FFT",
                          "config": {"name": "fft"}, "registered_name": "FFT",
                          "name": "fft", "inbound_nodes": []}],
              "input_layers": [], "output_layers": []}
    with pytest.raises(TypeError, match="Could not locate class 'FFT'"):
        keras.Model.from_config(config)


def test_model_from_json_and_serialize_keras_object():
    x = keras.Input(shape=(2,), name="x")
    model = keras.Model(x, Dense(1, name="d")(x), name="tiny")
    config = keras.saving.serialize_keras_object(model)
    assert (config["module"], config["class_name"]) == ("keras.src.models.functional",
                                                        "Functional")
    assert config["build_config"] == {"input_shape": None}
    assert config["compile_config"] == {}
    again = keras.saving.deserialize_keras_object(config)
    assert again.name == "tiny" and type(again).__name__ == "Functional"
    assert keras.models.model_from_json(model.to_json()).get_config() == again.get_config()
