"""Loading is safe by default: no pickle, no bytecode, no code named by the file runs,
no entry is extracted, and a config cannot switch safe mode off (CVE-2025-9906)."""

import base64
import io
import json
import marshal
import pathlib
import zipfile

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving import serialization_lib

h5py = pytest.importorskip("h5py")
L = keras.layers


def _double(x):
    return x * 2.0


def _lambda_config(fn):
    return {"class_name": "__lambda__",
            "config": {"code": base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii"),
                       "defaults": None, "closure": None}}


def _model_with_lambda():
    keras.saving.register_keras_serializable(package="test_safe_mode")(_double)
    x = keras.Input((3,), name="x")
    return keras.Model(x, L.Lambda(_double, name="fn")(L.Dense(3, name="d")(x)), name="lam")


def _keras_file(model, edit, path):
    """`model` saved to `path` with its config.json changed by `edit(config)`."""
    buffer = io.BytesIO()
    model.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(entries["config.json"])
    edit(config)
    entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _set_function(config, function_config):
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Lambda":
            layer["config"]["function"] = function_config


def test_a_lambda_holding_bytecode_is_refused_unless_safe_mode_is_off(tmp_path):
    path = _keras_file(_model_with_lambda(), lambda c: _set_function(
        c, _lambda_config(lambda x: x * 3.0)), tmp_path / "lam.keras")
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    x = np.ones((2, 3), "float32")
    dense = loaded.get_layer("d")
    expected = (x @ dense.kernel.value + dense.bias.value) * 3.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.parametrize("function", [
    {"module": "os", "class_name": "function", "config": "system",
     "registered_name": "function"},
    {"module": "builtins", "class_name": "function", "config": "eval",
     "registered_name": "function"},
    {"module": "keras.config", "class_name": "function",
     "config": "enable_unsafe_deserialization", "registered_name": "function"},
    {"module": "keras.models", "class_name": "function", "config": "load_model",
     "registered_name": "function"},
    {"module": "builtins", "class_name": "function", "config": "np",
     "registered_name": "function"},
])
def test_functions_that_are_not_fastkeras_s_or_registered_are_refused(function, tmp_path):
    path = _keras_file(_model_with_lambda(), lambda c: _set_function(c, function),
                       tmp_path / "f.keras")
    with pytest.raises(TypeError, match="Could not locate function"):
        keras.models.load_model(path)
    with pytest.raises(TypeError, match="Could not locate function"):
        keras.models.load_model(path, safe_mode=False)  # unsafe allows bytecode, not imports


@pytest.mark.parametrize("module, class_name", [
    ("os", "system"), ("subprocess", "Popen"), ("keras.layers", "NoSuchLayer"),
    ("builtins", "eval"), ("keras.src.saving.saving_lib", "load_model"),
    ("keras.callbacks", "LambdaCallback"), ("pickle", "loads")])
def test_unknown_modules_and_classes_are_refused(module, class_name, tmp_path):
    def edit(config):
        layer = config["config"]["layers"][1]
        layer["module"], layer["class_name"], layer["registered_name"] = \
            module, class_name, None
    path = _keras_file(_model_with_lambda(), edit, tmp_path / "u.keras")
    with pytest.raises(TypeError, match=f"Could not locate class '{class_name}'") as info:
        keras.models.load_model(path)
    assert "u.keras" in str(info.value)


def test_custom_objects_allow_exactly_what_they_name(tmp_path):
    def triple(x):
        return x * 3.0

    path = _keras_file(_model_with_lambda(), lambda c: _set_function(c, {
        "module": "builtins", "class_name": "function", "config": "triple",
        "registered_name": "function"}), tmp_path / "c.keras")
    with pytest.raises(TypeError, match="Could not locate function 'triple'"):
        keras.models.load_model(path)
    with pytest.raises(TypeError, match="Could not locate function 'triple'"):
        keras.models.load_model(path, custom_objects={"other": triple})
    loaded = keras.models.load_model(path, custom_objects={"triple": triple})
    assert loaded.get_layer("fn").function is triple


def test_a_config_cannot_switch_safe_mode_off_during_its_own_load(tmp_path, monkeypatch):
    """CVE-2025-9906: in Keras <3.11 a config could call
    `keras.config.enable_unsafe_deserialization()` (a Lambda naming it) and then load a
    lambda's bytecode further on. Here the function cannot be named, and even code that
    does switch the global default off during a load leaves that load in safe mode."""
    monkeypatch.setattr(serialization_lib, "_unsafe_by_default", [False])

    @keras.saving.register_keras_serializable(package="test_safe_mode")
    class Switch(L.Layer):
        """Stands for anything that runs while a config loads and flips the default."""

        @classmethod
        def from_config(cls, config):
            serialization_lib.enable_unsafe_deserialization()
            return cls(**config)

    x = keras.Input((3,), name="x")
    model = keras.Model(x, L.Lambda(_double, name="fn")(Switch(name="switch")(x)))
    keras.saving.register_keras_serializable(package="test_safe_mode")(_double)
    path = _keras_file(model, lambda c: _set_function(c, _lambda_config(lambda x: x)),
                       tmp_path / "cve.keras")
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        keras.models.load_model(path)
    assert serialization_lib._unsafe_by_default[0] is True  # the switch did run...
    loaded = keras.models.load_model(path)  # ...and applies to the next load only
    assert loaded.get_layer("fn").function(3) == 3


def test_explicit_safe_mode_of_an_outer_deserialization_wins():
    config = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
              "config": {"name": "l", "function": _lambda_config(lambda x: x + 1)}}
    with serialization_lib.SafeModeScope(True):
        with pytest.raises(ValueError, match="lambda"):
            L.Lambda.from_config(config["config"], safe_mode=False)
    assert L.Lambda.from_config(config["config"], safe_mode=False).function(1) == 2
    with pytest.raises(ValueError, match="lambda"):
        keras.saving.deserialize_keras_object(config)


@pytest.mark.parametrize("entry", ["../evil.txt", "/tmp/evil.txt", "assets/../../evil",
                                   "..\\evil.txt", "C:/evil.txt"])
def test_archive_entries_escaping_the_archive_are_refused(entry, tmp_path):
    buffer = io.BytesIO()
    _model_with_lambda().save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    path = tmp_path / "escape.keras"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        zf.writestr(zipfile.ZipInfo(entry), b"payload")
    with pytest.raises(ValueError, match="unsafe path"):
        keras.models.load_model(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["escape.keras"]
    assert not pathlib.Path("/tmp/evil.txt").exists()


def test_a_decompression_bomb_entry_is_refused(tmp_path):
    buffer = io.BytesIO()
    _model_with_lambda().save(buffer)
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("config.json", src.read("config.json"))
        dst.writestr("model.weights.h5", bytes((1 << 26) + 1))  # 64 MiB of zeros, ~65 KB
    with pytest.raises(ValueError, match="decompression bomb"):
        keras.models.load_model(path)


def _weights_file_with(tmp_path, make):
    model = keras.Sequential([keras.Input((2,)), L.Dense(1, name="d")], name="s")
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        make(f, tmp_path)
    return model


@pytest.mark.parametrize("make, message", [
    (lambda f, d: f.__setitem__("layers/dense/vars/soft", h5py.SoftLink("/vars")),
     "SoftLink"),
    (lambda f, d: f.__setitem__("layers/extra", h5py.ExternalLink(str(d / "x.h5"), "/")),
     "ExternalLink"),
    (lambda f, d: f["layers/dense/vars"].create_dataset(
        "ext", shape=(4,), dtype="f4", external=[(str(d / "raw.bin"), 0, 16)]),
     "external dataset"),
    (lambda f, d: f["layers/dense/vars"].create_dataset(
        "bomb", shape=(1 << 13, 1 << 13), dtype="f4", chunks=(64, 64)),
     "shape bomb"),
    (lambda f, d: f["layers/dense/vars"].create_dataset(
        "text", data=np.array([b"rm -rf"], dtype=h5py.string_dtype())),
     "variables are numbers"),
])
def test_unsafe_weights_files_are_refused(make, message, tmp_path):
    (tmp_path / "raw.bin").write_bytes(bytes(16))
    model = _weights_file_with(tmp_path, make)
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_saving_modules_never_unpickle():
    folder = pathlib.Path(serialization_lib.__file__).parent
    for source in folder.glob("*.py"):
        text = source.read_text()
        assert "pickle" not in text and "allow_pickle=True" not in text, source.name


def test_keras_config_switch_is_public_and_applies_to_later_loads(monkeypatch):
    monkeypatch.setattr(serialization_lib, "_unsafe_by_default", [False])
    keras.config.enable_unsafe_deserialization()
    assert serialization_lib._unsafe_by_default[0] is True
