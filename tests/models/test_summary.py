"""Model.summary() (models/summary.py): Keras 3's table and totals. The rows of the
Keras-printed fixtures are compared in test_keras_models.py; here the cases Keras's
fixtures do not cover: unbuilt models, subclassed models, options and errors."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense


def _summary(model, **kwargs):
    out = []
    model.summary(print_fn=out.append, **kwargs)
    assert len(out) == 1
    return out[0]


def _rows(text):
    return [[c.strip() for c in line[1:-1].split("│")] for line in text.splitlines()
            if line.startswith("│")]


def test_totals_with_sizes_as_keras():
    model = keras.Sequential([keras.Input(shape=(128,)), Dense(128), Dense(1)], name="net")
    assert model.count_params() == 16_641
    text = _summary(model)
    assert text.splitlines()[0] == 'Model: "net"'
    assert text.splitlines()[-3:] == [" Total params: 16,641 (65.00 KB)",
                                      " Trainable params: 16,641 (65.00 KB)",
                                      " Non-trainable params: 0 (0.00 B)"]
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header[1:-1].split("┃")] == ["Layer (type)", "Output Shape",
                                                             "Param #"]
    assert _rows(text)[0][1:] == ["(None, 128)", "16,512"]


def test_optimizer_params_once_the_optimizer_is_built(capsys):
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    assert "Optimizer params" not in _summary(model)
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    # Adam: two slots per weight, plus the iteration count (int64) and the learning rate.
    assert _summary(model).splitlines()[-1] == " Optimizer params: 18 (76.00 B)"
    assert _summary(model).splitlines()[-4] == " Total params: 26 (108.00 B)"
    model.summary()
    assert capsys.readouterr().out.startswith('Model: "')


def test_unbuilt_and_subclassed_models():
    unbuilt = keras.Sequential([Dense(3, name="d")])
    assert _rows(_summary(unbuilt)) == [["d (Dense)", "?", "0 (unbuilt)"]]
    with pytest.raises(ValueError, match="the layer isn't built"):
        unbuilt.count_params()

    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.hidden = Dense(4, name="hidden")

        def call(self, x):
            return self.hidden(x)

    net = Net()
    net(np.ones((2, 5), "float32"))
    assert _rows(_summary(net)) == [["hidden (Dense)", "(None, 4)", "24"]]


def test_multi_input_model_shows_shapes_and_connections():
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(3,), dtype="int32", name="b")
    emb = keras.layers.Flatten(name="flat")(keras.layers.Embedding(10, 2, name="emb")(b))
    out = Dense(1, name="out")(keras.layers.Concatenate(name="cat")([a, emb]))
    rows = _rows(_summary(keras.Model([a, b], out), line_length=120))
    assert rows == [["b (InputLayer)", "(None, 3)", "0", "-"],  # Keras's order: by depth
                    ["emb (Embedding)", "(None, 3, 2)", "20", "b[0][0]"],
                    ["a (InputLayer)", "(None, 4)", "0", "-"],
                    ["flat (Flatten)", "(None, 6)", "0", "emb[0][0]"],
                    ["cat (Concatenate)", "(None, 10)", "0", "a[0][0], flat[0][0]"],
                    ["out (Dense)", "(None, 1)", "11", "cat[0][0]"]]


def test_a_plain_chain_has_no_connected_to_column_and_keeps_its_input_row():
    x = keras.Input(shape=(2,), name="x")
    model = keras.Model(x, Dense(3, name="d")(x))
    assert _rows(_summary(model)) == [["x (InputLayer)", "(None, 2)", "0"],
                                      ["d (Dense)", "(None, 3)", "9"]]


def test_layer_range_positions_and_line_length():
    model = keras.Sequential([keras.Input(shape=(2,)), Dense(3, name="one"),
                              Dense(4, name="two"), Dense(5, name="three")])
    assert [r[0] for r in _rows(_summary(model, layer_range=["two", "three"]))] == [
        "two (Dense)", "three (Dense)"]
    assert [r[0] for r in _rows(_summary(model, layer_range=["t.*", "one"]))] == [
        "one (Dense)", "two (Dense)", "three (Dense)"]
    with pytest.raises(ValueError, match="do not match the layer names"):
        _summary(model, layer_range=["zz", "one"])
    with pytest.raises(ValueError, match="length 2"):
        _summary(model, layer_range=["one"])
    text = _summary(model, line_length=60, positions=[0.5, 0.8, 1.0])
    assert {len(line) for line in text.splitlines()[1:-3]} == {60}
    with pytest.raises(ValueError, match="Insufficient console width"):
        _summary(model, line_length=10)


def test_trainable_column_and_nested_rows():
    inner = keras.Sequential([keras.Input(shape=(2,)), Dense(2, name="inner_dense")],
                             name="inner")
    x = keras.Input(shape=(2,), name="x")
    frozen = Dense(1, name="frozen")
    model = keras.Model(x, frozen(inner(x)))
    frozen.trainable = False
    rows = _rows(_summary(model, expand_nested=True, show_trainable=True))
    assert rows == [["x (InputLayer)", "(None, 2)", "0", "-"],
                    ["inner (Sequential)", "(None, 2)", "6", "Y"],
                    ["└ inner_dense (Dense)", "(None, 2)", "6", "Y"],
                    ["frozen (Dense)", "(None, 1)", "3", "N"]]
