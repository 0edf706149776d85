"""TimeDistributed and Bidirectional: how they call the wrapped layers, their weights,
configs and errors. (Numbers against real Keras: test_rnn_keras.py.)"""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from fastkeras.graph import Graph

rng = np.random.default_rng(1)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# ---- TimeDistributed ---------------------------------------------------------------------

def test_time_distributed_folds_time_into_the_batch():
    td = layers.TimeDistributed(layers.Dense(3))
    x = _x(2, 5, 4)
    out = td(x)
    kernel, bias = td.get_weights()
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    g = Graph()
    with g:
        td(g.placeholder((2, 5, 4)))
    matmuls = [n for n in g.nodes if n.prim is not None and n.prim.name == "matmul"]
    assert len(matmuls) == 1 and tuple(matmuls[0].inputs[0].shape) == (10, 4)


def test_time_distributed_batch_norm_runs_per_step():
    td = layers.TimeDistributed(layers.BatchNormalization())
    x = _x(6, 3, 2) + np.array([0.0, 5.0, -5.0], np.float32)[None, :, None]
    out = td(x, training=True)
    # Each step is normalized with its own batch statistics.
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)


def test_time_distributed_shapes_weights_and_mask():
    inp = keras.Input((7, 4))
    y = layers.TimeDistributed(layers.Dense(2, name="d"), name="td")(inp)
    assert y.shape == (None, 7, 2)
    model = keras.Model(inp, y)
    assert [w.path for w in model.weights] == ["td/d/kernel", "td/d/bias"]
    td = layers.TimeDistributed(layers.Dense(2))
    mask = np.array([[True, False, True]])
    assert td.supports_masking and td.compute_mask(None, mask) is mask


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        layers.TimeDistributed(lambda x: x)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(_x(2, 4))
    with pytest.raises(ValueError, match="incompatible with the input shape"):
        layers.TimeDistributed(layers.Dense(2))(_x(2, 5, 4), mask=np.ones((2, 4), bool))


def test_time_distributed_config_round_trip():
    td = layers.TimeDistributed(layers.Dense(3, activation="relu"), name="t")
    again = layers.deserialize(layers.serialize(td))
    assert isinstance(again.layer, layers.Dense) and again.layer.units == 3
    assert again.get_config() == td.get_config()


# ---- Bidirectional -----------------------------------------------------------------------

def test_bidirectional_makes_forward_and_backward_copies():
    inner = layers.LSTM(3, return_sequences=True, name="enc")
    bi = layers.Bidirectional(inner)
    assert bi.forward_layer.name == "forward_enc" and not bi.forward_layer.go_backwards
    assert bi.backward_layer.name == "backward_enc" and bi.backward_layer.go_backwards
    assert bi.forward_layer is not inner
    x = _x(2, 5, 4)
    out = bi(x)
    assert out.shape == (2, 5, 6)
    # Weights: the forward layer's, then the backward layer's.
    fwd, bwd = bi.forward_layer.get_weights(), bi.backward_layer.get_weights()
    for a, b in zip(bi.get_weights(), fwd + bwd):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(out[..., :3], bi.forward_layer(x), rtol=1e-6)
    np.testing.assert_allclose(out[..., 3:], bi.backward_layer(x)[:, ::-1], rtol=1e-6)


@pytest.mark.parametrize("mode, combine", [
    ("sum", lambda a, b: a + b), ("mul", lambda a, b: a * b),
    ("ave", lambda a, b: (a + b) / 2), ("concat", lambda a, b: np.concatenate([a, b], -1))])
def test_merge_modes(mode, combine):
    bi = layers.Bidirectional(layers.GRU(3), merge_mode=mode)
    x = _x(2, 4, 3)
    out = bi(x)
    np.testing.assert_allclose(out, combine(bi.forward_layer(x), bi.backward_layer(x)),
                               rtol=1e-5, atol=1e-6)


def test_weights_argument_and_merge_none_with_states():
    ref = layers.Bidirectional(layers.SimpleRNN(2, return_state=True), merge_mode=None)
    x = _x(2, 4, 3)
    outs = ref(x)
    assert len(outs) == 4  # forward output, backward output, then each one's state
    again = layers.Bidirectional(layers.SimpleRNN(2, return_state=True), merge_mode=None,
                                 weights=ref.get_weights())
    for a, b in zip(again(x), outs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_compute_mask():
    mask = np.array([[True, False]])
    assert layers.Bidirectional(layers.LSTM(2, return_sequences=True)).compute_mask(
        None, mask) is mask
    assert layers.Bidirectional(layers.LSTM(2)).compute_mask(None, mask) is None
    assert layers.Bidirectional(layers.LSTM(2, return_sequences=True),
                                merge_mode=None).compute_mask(None, mask) == [mask, mask]


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        layers.Bidirectional("lstm")
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(
            2, go_backwards=True, return_sequences=True))


def test_bidirectional_config_round_trip_and_fit():
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="sum",
                              backward_layer=layers.LSTM(3, go_backwards=True,
                                                         return_sequences=True, name="back"))
    again = layers.deserialize(layers.serialize(bi))
    assert again.backward_layer.name == "back" and again.merge_mode == "sum"
    model = keras.Sequential([keras.Input((6, 2)), again, layers.TimeDistributed(
        layers.Dense(1))])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    x = _x(16, 6, 2)
    losses = model.fit(x, x[..., :1].cumsum(axis=1), epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_save_and_load_keeps_predictions(tmp_path):
    model = keras.Sequential([keras.Input((5, 3)),
                              layers.Bidirectional(layers.GRU(2, return_sequences=True)),
                              layers.TimeDistributed(layers.Dense(2)), layers.LSTM(2)])
    x = _x(3, 5, 3)
    path = tmp_path / "m.keras"
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_reset_state_follows_keras_for_stateless_layers():
    layers.LSTM(2).reset_state()  # nothing to reset
    with pytest.raises(AttributeError, match="stateful"):
        layers.Bidirectional(layers.LSTM(2)).reset_state()
