"""serialize_keras_object's exact-type fast path (plain values, dicts, lists, tuples) gives
what the general path gives for every other kind of value: subclasses of the plain types
and NumPy scalars inside the containers, and every save reads the live model (nothing is
kept from one save to the next)."""

import collections
import enum
import io
import json
import zipfile

import numpy as np

import fastkeras as keras
from fastkeras.saving.keras_file import model_to_bytes
from fastkeras.saving.serialization_lib import serialize_keras_object


class Color(enum.IntEnum):
    RED = 1


class Name(str):
    pass


class Count(int):
    pass


Pair = collections.namedtuple("Pair", "a b")


def test_plain_values_and_their_subclasses_are_kept_as_they_are():
    for value in [None, True, 3, 2.5, "s", Color.RED, Name("n"), Count(4)]:
        assert serialize_keras_object(value) is value


def test_numpy_scalars_become_python_values_at_any_depth():
    out = serialize_keras_object({"a": [np.bool_(True), (np.int64(3), np.float32(0.5))],
                                  "b": np.array(7)})
    assert out == {"a": [True, (3, 0.5)], "b": 7}
    assert type(out["a"][0]) is bool and type(out["a"][1][0]) is int
    assert type(out["a"][1]) is tuple and type(out["a"][1][1]) is float


def test_container_subclasses_become_plain_containers():
    out = serialize_keras_object([Pair(np.int32(1), "x"),
                                  collections.OrderedDict(k=np.float64(1.5))])
    assert type(out[0]) is tuple and out[0] == (1, "x") and type(out[0][0]) is int
    assert type(out[1]) is dict and out[1] == {"k": 1.5}
    assert json.dumps({"c": Color.RED, "n": Name("n")}) == json.dumps(
        serialize_keras_object({"c": Color.RED, "n": Name("n")}))


def test_objects_inside_plain_containers_are_serialized():
    out = serialize_keras_object({"init": [keras.initializers.Zeros()]})
    assert out["init"][0]["class_name"] == "Zeros"
    assert out["init"][0]["module"] == "keras.initializers"


def _config_of_save(model):
    with zipfile.ZipFile(io.BytesIO(model_to_bytes(model))) as z:
        return json.loads(z.read("config.json"))


def test_each_save_reads_the_live_model():
    """A change no callback announces (ReduceLROnPlateau lowering the learning rate, a
    layer made non-trainable) is in the next save's config."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(learning_rate=0.01), "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    first = _config_of_save(model)
    model.optimizer.learning_rate = 0.001
    model.layers[0].trainable = False
    second = _config_of_save(model)
    lr = lambda c: c["compile_config"]["optimizer"]["config"]["learning_rate"]  # noqa: E731
    assert np.isclose(lr(first), 0.01) and np.isclose(lr(second), 0.001)  # float32 values
    assert first["config"]["layers"][1]["config"]["trainable"] is True
    assert second["config"]["layers"][1]["config"]["trainable"] is False
