"""model.save / keras.models.load_model / save_weights / load_weights: round trips,
Keras's layout of the weights file, Keras's argument checks and errors, the
save_own_variables / load_own_variables hooks, and resuming training bit for bit."""

import io
import json
import zipfile

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.saving import saving_api

h5py = pytest.importorskip("h5py")
L = keras.layers


def _mlp(name="mlp", dropout=False):
    layers = [keras.Input((5,), name="x"), L.Dense(7, activation="relu", name="hidden"),
              L.BatchNormalization(name="bn")]
    if dropout:
        layers.append(L.Dropout(0.5, name="drop"))
    return keras.Sequential(layers + [L.Dense(2, name="out")], name=name)


def _data(rows=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 5)).astype("float32"), \
        rng.normal(size=(rows, 2)).astype("float32")


def _trained(epochs=1):
    model = _mlp()
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    return model


def _h5_tree(data):
    """{path: (attrs, shape)} of an HDF5 file's groups and datasets."""
    out = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(
            name, (dict(obj.attrs), getattr(obj, "shape", None))))
    return out


def test_keras_file_round_trip_restores_config_weights_and_optimizer(tmp_path):
    model = _trained()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        config = json.loads(zf.read("config.json"))
        assert set(json.loads(zf.read("metadata.json"))) >= {"keras_version", "date_saved"}
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["build_config"] == {"input_shape": [None, 5]}
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, keras.Sequential) and loaded.compiled
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.value, b.value)
    assert int(loaded.optimizer.iterations.value) == 4
    x, _ = _data(8, seed=1)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert keras.saving.load_model is keras.models.load_model


def test_weights_file_has_keras_layout(tmp_path):
    """The groups Keras 3.15 writes for this model (seen in files it wrote): the model's
    own `vars`, one group per layer named after its class, the optimizer's variables in
    Keras's order (iterations, learning rate, then momentum and velocity per weight)."""
    model = _trained()
    model.save_weights(tmp_path / "m.weights.h5")
    tree = _h5_tree((tmp_path / "m.weights.h5").read_bytes())
    groups = {k for k, (_, shape) in tree.items() if shape is None}
    assert groups == {"vars", "layers", "optimizer", "optimizer/vars",
                      "layers/dense", "layers/dense/vars", "layers/dense_1",
                      "layers/dense_1/vars", "layers/batch_normalization",
                      "layers/batch_normalization/vars"}
    assert tree["vars"][0] == {"name": "mlp"}
    assert tree["layers/dense_1/vars"][0] == {"name": "out"}
    assert tree["layers/dense/vars/0"][1] == (5, 7)
    assert [tree[f"layers/batch_normalization/vars/{i}"][1] for i in range(4)] == [(7,)] * 4
    trainable = [w.shape for w in model.trainable_weights]
    slots = [s for shape in trainable for s in (shape, shape)]
    assert [tree[f"optimizer/vars/{i}"][1] for i in range(2 + len(slots))] == \
        [(), ()] + slots


def test_save_weights_load_weights_round_trip(tmp_path):
    model = _trained()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    other = _mlp()
    before = other.predict(_data(4)[0], verbose=0)
    other.load_weights(path)
    x, _ = _data(8, seed=2)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not np.array_equal(before, other.predict(_data(4)[0], verbose=0))
    # A `.keras` file's weights load the same way.
    model.save(tmp_path / "m.keras")
    third = _mlp()
    third.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(third.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_weights_after_predict_is_seen_by_the_compiled_plans(tmp_path):
    model = _trained()
    model.save_weights(tmp_path / "w.weights.h5")
    other = _mlp()
    other.compile("adam", "mse")
    x, y = _data(8, seed=3)
    other.predict(x, verbose=0)  # plans and state block exist before the load
    other.evaluate(x, y, verbose=0)
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        other.load_weights(tmp_path / "w.weights.h5")  # its Adam is unbuilt: Keras warns
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.skipif(not backends.available("cpu"), reason="needs the native cpu backend")
def test_resumed_training_equals_uninterrupted_training_bit_for_bit(tmp_path):
    """fit 2 epochs, save, load, fit 2 more == fit 4 epochs, bit for bit on the cpu
    backend. shuffle=False and no dropout: the data order and the whole state (weights,
    BatchNormalization statistics, Adam's iterations and slots) are then all that the
    steps depend on, and all of it is in the file (Keras saves no random-generator state,
    so a model with dropout resumes with fresh masks, in Keras as here)."""
    previous = backends.get_backend()
    backends.set_backend("cpu")
    try:
        x, y = _data(40, seed=4)
        start = _mlp().get_weights()

        def fresh():
            model = _mlp()
            model.set_weights(start)
            model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
            return model

        whole_model = fresh()
        whole = whole_model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
        first = fresh()
        h1 = first.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        first.save(tmp_path / "half.keras")
        resumed = keras.models.load_model(tmp_path / "half.keras")
        h2 = resumed.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        assert h1.history["loss"] + h2.history["loss"] == whole.history["loss"]
        assert h1.history["mae"] + h2.history["mae"] == whole.history["mae"]
        for a, b in zip(resumed.get_weights() + [v.value for v in resumed.optimizer.variables],
                        whole_model.get_weights() +
                        [v.value for v in whole_model.optimizer.variables]):
            np.testing.assert_array_equal(a, b)
    finally:
        backends._active = previous


def test_compile_false_gives_an_uncompiled_model(tmp_path):
    _trained().save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not loaded.compiled and loaded.optimizer is None


@keras.saving.register_keras_serializable(package="test_saving_api")
class Gain(L.Layer):
    """A custom layer with a weight and its own saving hooks (stores the gain doubled)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loads = 0

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

    def call(self, x):
        return x * self.gain

    def save_own_variables(self, store):
        store["doubled"] = 2 * self.gain.numpy()

    def load_own_variables(self, store):
        self.gain.assign(np.asarray(store["doubled"]) / 2)
        self.loads += 1


def _gain_model():
    x = keras.Input((3,), name="x")
    return keras.Model(x, L.Dense(1, name="d")(Gain(name="gain")(x)), name="with_gain")


def test_custom_layer_hooks_and_registration(tmp_path):
    model = _gain_model()
    model.get_layer("gain").gain.assign(np.array([1.0, 2.0, 3.0], "float32"))
    model.save(tmp_path / "g.keras")
    with zipfile.ZipFile(tmp_path / "g.keras") as zf:
        tree = _h5_tree(zf.read("model.weights.h5"))
    np.testing.assert_array_equal(
        h5py.File(io.BytesIO(zipfile.ZipFile(tmp_path / "g.keras").read("model.weights.h5")),
                  "r")["layers/gain/vars/doubled"][()], [2.0, 4.0, 6.0])
    assert "layers/gain/vars/0" not in tree
    loaded = keras.models.load_model(tmp_path / "g.keras")
    assert loaded.get_layer("gain").loads == 1
    np.testing.assert_array_equal(loaded.get_layer("gain").gain.value, [1.0, 2.0, 3.0])


def test_custom_objects_name_an_unregistered_class(tmp_path):
    class Shift(L.Layer):
        def call(self, x):
            return x + 1.0

    x = keras.Input((2,), name="x")
    model = keras.Model(x, Shift(name="shift")(x))
    model.save(tmp_path / "s.keras")
    with pytest.raises(TypeError, match="Could not locate class 'Shift'"):
        keras.models.load_model(tmp_path / "s.keras")
    loaded = keras.models.load_model(tmp_path / "s.keras", custom_objects={"Shift": Shift})
    np.testing.assert_array_equal(loaded.predict(np.zeros((1, 2), "float32"), verbose=0),
                                  [[1.0, 1.0]])


def test_subclassed_model_paths_follow_keras(tmp_path):
    """Keras walks a subclassed model's attributes in sorted order: `aaa` comes before
    `layers` (so it is saved under its own name), the others through `layers`."""

    @keras.saving.register_keras_serializable(package="test_saving_api")
    class Two(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.zz = L.Dense(2, name="zz")
            self.aaa = L.Dense(3, name="aaa")

        def call(self, x):
            return self.zz(self.aaa(x))

    model = Two(name="two")
    model.build((None, 4))
    model.save_weights(tmp_path / "t.weights.h5")
    tree = _h5_tree((tmp_path / "t.weights.h5").read_bytes())
    assert tree["aaa/vars"][0] == {"name": "aaa"} and tree["aaa/vars/0"][1] == (4, 3)
    assert tree["layers/dense/vars"][0] == {"name": "zz"}
    assert "layers/dense_1" not in tree  # aaa was saved already, under its attribute
    other = Two(name="two_b")
    other.build((None, 4))
    other.load_weights(tmp_path / "t.weights.h5")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_save_checks_paths_and_arguments(tmp_path):
    model = _trained()
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(NotImplementedError, match="legacy"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="not supported: \\['foo'\\]"):
        model.save(tmp_path / "m.keras", foo=1)
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "m.h5")
    with pytest.raises(NotImplementedError, match="Sharded"):
        model.save_weights(tmp_path / "m.weights.json", max_shard_size=1)
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "m.bin")
    with pytest.raises(ValueError, match="has not yet been built"):
        keras.Sequential([L.Dense(2)]).save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(ValueError, match="has not yet been built"):
        keras.Sequential([L.Dense(2)]).load_weights(tmp_path / "u.weights.h5")
    assert list(tmp_path.iterdir()) == []  # nothing written by a refused call


def test_overwrite_false_asks_first(tmp_path, monkeypatch):
    model = _trained()
    path = tmp_path / "m.keras"
    model.save(path)
    first = path.read_bytes()
    model.optimizer.iterations.assign(np.int64(99))
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    model.save(path, overwrite=False)
    assert path.read_bytes() == first
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    model.save(path, overwrite=False)
    assert int(keras.models.load_model(path).optimizer.iterations.value) == 99


def test_file_objects_are_accepted_by_save_and_load():
    model = _trained()
    buffer = io.BytesIO()
    keras.saving.save_model(model, buffer)
    buffer.seek(0)
    loaded = keras.saving.load_model(buffer)
    x, _ = _data(4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_saving_api_module_has_keras_signatures():
    import inspect
    assert list(inspect.signature(saving_api.load_model).parameters) == \
        ["filepath", "custom_objects", "compile", "safe_mode"]
    assert list(inspect.signature(keras.Model.save).parameters) == \
        ["self", "filepath", "overwrite", "zipped", "kwargs"]
    assert list(inspect.signature(keras.Model.save_weights).parameters) == \
        ["self", "filepath", "overwrite", "max_shard_size"]
    assert list(inspect.signature(keras.Model.load_weights).parameters) == \
        ["self", "filepath", "skip_mismatch", "kwargs"]


def test_every_layer_with_state_round_trips(tmp_path):
    rng = np.random.default_rng(5)
    norm = L.Normalization(name="norm")
    norm.adapt(rng.normal(3.0, 2.0, size=(50, 4)).astype("float32"))
    x = keras.Input((4,), name="x")
    tok = keras.Input((2,), dtype="int32", name="tok")
    embedded = L.Flatten(name="fl")(L.Embedding(7, 3, name="e")(tok))
    h = L.Concatenate(name="cat")([norm(x), embedded])
    h = L.PReLU(name="prelu", alpha_initializer="random_uniform")(L.Dense(6, name="d")(h))
    h = L.LayerNormalization(name="ln", beta_initializer="random_normal")(h)
    h = L.BatchNormalization(name="bn", moving_mean_initializer="random_normal")(h)
    model = keras.Model([x, tok], L.Dense(2, name="out")(h), name="kinds")
    model.save(tmp_path / "k.keras")
    loaded = keras.models.load_model(tmp_path / "k.keras")
    assert len(loaded.weights) == len(model.weights) == 15
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    data = [rng.normal(size=(5, 4)).astype("float32"), rng.integers(0, 7, (5, 2))]
    np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                  model.predict(data, verbose=0))


def test_objects_to_skip(tmp_path):
    model = _trained()
    hidden = model.get_layer("hidden")
    keras.saving.save_weights(model, tmp_path / "w.weights.h5", objects_to_skip=[hidden])
    tree = _h5_tree((tmp_path / "w.weights.h5").read_bytes())
    assert "layers/dense" not in tree and "layers/dense_1/vars/0" in tree
    other = _mlp()
    kept = other.get_layer("hidden").get_weights()
    keras.saving.load_weights(other, tmp_path / "w.weights.h5",
                              objects_to_skip=[other.get_layer("hidden")])
    for a, b in zip(other.get_layer("hidden").get_weights(), kept):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(other.get_layer("out").kernel.value,
                                  model.get_layer("out").kernel.value)
    with pytest.raises(ValueError, match="only supports loading '.weights.h5'"):
        keras.saving.load_weights(other, tmp_path / "m.keras", objects_to_skip=[])
