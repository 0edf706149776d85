"""SimpleRNN, LSTM, GRU, their cells and RNN: weights as Keras lays them out, the loop as one
scan node with the input projection hoisted out of it, bad input, dropout, masks,
regularizers, and the arguments fastkeras accepts or refuses. (Numbers against real Keras:
test_rnn_keras.py.)"""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from fastkeras.graph import Graph

rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# ---- weights -----------------------------------------------------------------------------

@pytest.mark.parametrize("make, shapes", [
    (lambda: layers.SimpleRNN(3), [(4, 3), (3, 3), (3,)]),
    (lambda: layers.LSTM(3), [(4, 12), (3, 12), (12,)]),
    (lambda: layers.GRU(3), [(4, 9), (3, 9), (2, 9)]),
    (lambda: layers.GRU(3, reset_after=False), [(4, 9), (3, 9), (9,)]),
    (lambda: layers.LSTM(3, use_bias=False), [(4, 12), (3, 12)]),
])
def test_weight_shapes_names_and_order(make, shapes):
    layer = make()
    layer.build((2, 5, 4))
    assert [tuple(w.shape) for w in layer.get_weights()] == shapes
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"][:len(shapes)]


def test_initializers_orthogonal_recurrent_and_unit_forget_bias():
    lstm = layers.LSTM(4)
    lstm.build((2, 3, 5))
    kernel, recurrent, bias = lstm.get_weights()
    # Keras's default recurrent initializer: orthogonal (rows orthonormal for (4, 16)).
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)
    assert bias.tolist() == [0.0] * 4 + [1.0] * 4 + [0.0] * 8  # forget gate starts at 1
    plain = layers.LSTM(4, unit_forget_bias=False, bias_initializer="ones")
    plain.build((2, 3, 5))
    assert plain.get_weights()[2].tolist() == [1.0] * 16


# ---- the loop ----------------------------------------------------------------------------

def _trace(layer, steps):
    g = Graph()
    with g:
        layer(g.placeholder((2, steps, 4)))
    return g


def _matmuls(graph):
    return [n for n in graph.nodes if n.prim is not None and n.prim.name == "matmul"]


@pytest.mark.parametrize("make", [lambda: layers.LSTM(3), lambda: layers.GRU(3),
                                  lambda: layers.SimpleRNN(3)])
def test_one_scan_node_and_one_input_projection(make):
    layer = make()
    short, long = _trace(layer, 5), _trace(layer, 60)
    assert len(short.nodes) == len(long.nodes)  # the graph does not grow with the steps
    scans = [n for n in long.nodes if n.prim is not None and n.prim.name == "scan"]
    assert len(scans) == 1
    # One matmul outside the loop: all timesteps' x @ kernel as (steps*batch, features).
    (proj,) = _matmuls(long)
    assert tuple(proj.inputs[0].shape) == (60 * 2, 4)
    # The body: only the recurrent product.
    (rec,) = _matmuls(scans[0].attrs["body"].graph)
    assert tuple(rec.inputs[0].shape) == (2, 3)


def test_unroll_is_accepted_and_changes_nothing():
    x = _x(2, 6, 4)
    a, b = layers.GRU(3, unroll=True), layers.GRU(3)
    a.build(x.shape)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a(x), b(x), rtol=1e-6)
    assert a.get_config()["unroll"] is True


def test_initial_state_default_is_zeros():
    layer = layers.LSTM(3, return_state=True)
    x = _x(2, 5, 4)
    out, h, c = layer(x)
    out2, h2, c2 = layer(x, initial_state=[np.zeros((2, 3), np.float32)] * 2)
    np.testing.assert_array_equal(out, out2)
    np.testing.assert_array_equal(c, c2)
    np.testing.assert_array_equal(out, h)  # the output is the final h


def test_return_shapes_in_the_functional_api():
    x = keras.Input((7, 4))
    seq, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(x)
    assert (seq.shape, h.shape, c.shape) == ((None, 7, 3), (None, 3), (None, 3))
    y, h = layers.GRU(2, return_state=True)(x)
    assert (y.shape, h.shape) == ((None, 2), (None, 2))
    model = keras.Model(x, layers.SimpleRNN(5, go_backwards=True)(x))
    assert model.predict(_x(3, 7, 4), verbose=0).shape == (3, 5)


def test_compute_mask_follows_keras():
    mask = np.array([[True, False]])
    assert layers.LSTM(2, return_sequences=True).compute_mask(None, mask) is mask
    assert layers.LSTM(2).compute_mask(None, mask) is None
    assert layers.GRU(2, return_sequences=True, return_state=True).compute_mask(
        None, mask) == [mask, None]
    assert layers.LSTM(2, return_state=True).compute_mask(None, mask) == [None, None, None]


def test_integer_and_float_masks_act_as_bool():
    layer = layers.SimpleRNN(3, return_sequences=True)
    x = _x(2, 5, 4)
    as_bool = layer(x, mask=np.array([[1, 1, 0, 1, 0]] * 2, bool))
    np.testing.assert_array_equal(layer(x, mask=np.array([[3, 1, 0, 2, 0]] * 2)), as_bool)
    np.testing.assert_array_equal(layer(x, mask=np.array([[0.5, 1, 0, 1, 0]] * 2)), as_bool)
    np.testing.assert_array_equal(as_bool[:, 2], as_bool[:, 1])  # a masked step repeats


# ---- dropout -----------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda **k: layers.SimpleRNN(4, **k), lambda **k: layers.LSTM(4, **k),
    lambda **k: layers.GRU(4, **k), lambda **k: layers.GRU(4, reset_after=False, **k)])
@pytest.mark.parametrize("rates", [dict(dropout=0.5), dict(recurrent_dropout=0.5),
                                   dict(dropout=0.3, recurrent_dropout=0.3)])
def test_dropout_only_in_training(make, rates):
    x = _x(3, 6, 5)
    noisy, plain = make(seed=1, **rates), make()
    noisy.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(noisy.get_weights())
    np.testing.assert_allclose(noisy(x, training=False), plain(x), rtol=1e-6)
    trained = noisy(x, training=True)
    assert np.all(np.isfinite(trained)) and not np.allclose(trained, plain(x))


def test_input_dropout_mask_is_the_same_at_every_step():
    # A linear SimpleRNN with a zero recurrent kernel shows the input mask at each step:
    # a feature dropped at one step is dropped at all of them.
    layer = layers.SimpleRNN(4, activation=None, use_bias=False, dropout=0.5, seed=3,
                             kernel_initializer="identity", recurrent_initializer="zeros")
    out = layer(np.ones((8, 5, 4), np.float32), training=True, mask=None)
    seq = layers.SimpleRNN(4, activation=None, use_bias=False, dropout=0.5, seed=3,
                           kernel_initializer="identity", recurrent_initializer="zeros",
                           return_sequences=True)(np.ones((8, 5, 4), np.float32),
                                                  training=True)
    assert set(np.unique(seq)) <= {0.0, 2.0} and len(set(np.unique(seq))) == 2
    np.testing.assert_array_equal(seq, np.repeat(seq[:, :1], 5, axis=1))
    assert out.shape == (8, 4)


def test_fit_with_dropout_trains():
    x = rng.integers(0, 20, size=(64, 8)).astype(np.int32)
    y = (x[:, 0] > 10).astype(np.float32)
    model = keras.Sequential([keras.Input((8,), dtype="int32"), layers.Embedding(20, 4),
                              layers.LSTM(6, dropout=0.2, recurrent_dropout=0.2, seed=1),
                              layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    losses = model.fit(x, y, epochs=4, batch_size=16, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


# ---- regularizers and constraints of the cell's weights ----------------------------------

def test_cell_regularizers_join_the_loss():
    x, y = _x(16, 5, 3), _x(16, 1)
    reg = keras.Sequential([keras.Input((5, 3)),
                            layers.GRU(4, kernel_regularizer=keras.regularizers.L2(0.5),
                                       recurrent_regularizer=keras.regularizers.L1(0.25)),
                            layers.Dense(1)])
    plain = keras.Sequential([keras.Input((5, 3)), layers.GRU(4), layers.Dense(1)])
    plain.set_weights(reg.get_weights())
    for m in (reg, plain):
        m.compile("sgd", "mse")
    kernel, recurrent = reg.get_weights()[:2]
    penalty = 0.5 * np.sum(kernel ** 2) + 0.25 * np.sum(np.abs(recurrent))
    got = reg.evaluate(x, y, verbose=0) - plain.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(got, penalty, rtol=1e-4)


def test_cell_constraints_apply_after_each_step():
    model = keras.Sequential([keras.Input((4, 3)),
                              layers.SimpleRNN(3, kernel_constraint="non_neg"), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    model.fit(_x(8, 4, 3), _x(8, 1) * 10, epochs=2, verbose=0)
    assert model.layers[0].get_weights()[0].min() >= 0


# ---- bad input and refused arguments -----------------------------------------------------

def test_wrong_rank_is_a_value_error():
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.LSTM(3)(_x(2, 4))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.GRU(3)(keras.Input((4,)))


def test_wrong_features_for_a_built_layer():
    layer = layers.LSTM(3)
    layer(_x(2, 5, 4))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(_x(2, 5, 6))


def test_wrong_sequence_length_for_a_built_model():
    model = keras.Sequential([keras.Input((7, 4)), layers.LSTM(3)])
    with pytest.raises(ValueError, match=r"\(7, 4\)"):
        model.predict(_x(2, 6, 4), verbose=0)


def test_bad_initial_states():
    layer = layers.LSTM(3)
    with pytest.raises(ValueError, match="expects 2 initial states"):
        layer(_x(2, 5, 4), initial_state=[np.zeros((2, 3), np.float32)])
    with pytest.raises(ValueError, match="initial state has shape"):
        layer(_x(2, 5, 4), initial_state=[np.zeros((2, 4), np.float32)] * 2)


def test_stateful_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="stateful=True"):
        layers.LSTM(3, stateful=True)
    with pytest.raises(NotImplementedError, match="stateful=True"):
        layers.RNN(layers.GRUCell(3), stateful=True)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(0), lambda: layers.GRUCell(-1),
                                  lambda: layers.SimpleRNN(2.5)])
def test_units_must_be_positive_integers(make):
    with pytest.raises(ValueError, match="units"):
        make()


def test_use_cudnn_is_checked():
    assert layers.LSTM(2, use_cudnn=False).use_cudnn is False
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.GRU(2, use_cudnn="yes")


def test_rnn_needs_a_cell():
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(3))


# ---- a user's cell ----------------------------------------------------------------------

class MinimalRNNCell(keras.layers.Layer):
    """The cell of Keras's RNN docstring."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), "uniform", name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), "uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        h = keras.ops.matmul(inputs, self.kernel)
        output = h + keras.ops.matmul(states[0], self.recurrent_kernel)
        return output, [output]


def test_a_users_cell_runs_in_the_loop_and_trains():
    x = _x(2, 5, 4)
    layer = layers.RNN(MinimalRNNCell(3), return_sequences=True)
    out = layer(x)
    k, u = layer.get_weights()
    h, want = np.zeros((2, 3), np.float32), []
    for t in range(5):
        h = x[:, t] @ k + h @ u
        want.append(h)
    np.testing.assert_allclose(out, np.stack(want, 1), rtol=1e-5, atol=1e-6)
    model = keras.Sequential([keras.Input((5, 4)), layers.RNN(MinimalRNNCell(3)),
                              layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    losses = model.fit(x, _x(2, 1), epochs=3, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_cell_config_round_trip_through_rnn():
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2, reset_after=False)],
                       return_sequences=True)
    again = layers.deserialize(layers.serialize(layer))
    assert [type(c).__name__ for c in again.cell.cells] == ["LSTMCell", "GRUCell"]
    assert again.cell.cells[1].reset_after is False and again.return_sequences


def test_initial_state_from_functional_inputs():
    x, h, c = keras.Input((5, 4)), keras.Input((3,)), keras.Input((3,))
    lstm = layers.LSTM(3)
    model = keras.Model([x, h, c], lstm(x, initial_state=[h, c]))
    xs, hs, cs = _x(2, 5, 4), _x(2, 3), _x(2, 3)
    np.testing.assert_allclose(model.predict([xs, hs, cs], verbose=0),
                               lstm(xs, initial_state=[hs, cs]), rtol=1e-6)
    assert not np.allclose(lstm(xs, initial_state=[hs, cs]), lstm(xs))
