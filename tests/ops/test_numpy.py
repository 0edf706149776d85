"""fastkeras.ops.take: NumPy's semantics on every backend, eager and inside a compiled plan."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops


def test_take_counts_negative_indices_from_the_end(backend):
    x = np.arange(10.0, dtype="float32").reshape(5, 2)
    idx = np.array([-1, 0, -5, 3])
    np.testing.assert_array_equal(ops.take(x, idx, axis=0), np.take(x, idx, axis=0))
    np.testing.assert_array_equal(ops.take(x, idx), np.take(x, idx))


@pytest.mark.parametrize("bad", [5, -6])
def test_take_out_of_range_is_an_index_error_on_every_backend(backend, bad):
    x = np.arange(5.0, dtype="float32")
    with pytest.raises(IndexError, match=rf"take: index {bad} is out of range \[-5, 5\)"):
        ops.take(x, np.array([0, bad]))


class _Pick(keras.layers.Layer):
    """Output columns chosen by index (negative allowed), traced into the plans."""
    def __init__(self, columns, **kwargs):
        super().__init__(**kwargs)
        self.columns = np.asarray(columns, "int32")

    def call(self, inputs):
        return ops.transpose(ops.take(ops.transpose(inputs), self.columns, axis=0))


def test_take_with_negative_indices_inside_a_trained_model(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(4,)), _Pick([-1, 1])])
    k, b = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ k + b)[:, [3, 1]], rtol=1e-5,
                               atol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    k2, _ = model.get_weights()
    np.testing.assert_array_equal(k2[:, [0, 2]], k[:, [0, 2]])  # unpicked columns get no gradient
    assert not np.array_equal(k2[:, 3], k[:, 3])


def test_maximum_minimum_propagate_nan_like_numpy(backend):
    a = np.array([np.nan, 1.0, 2.0, -np.inf], "float32")
    b = np.array([1.0, np.nan, 3.0, 0.0], "float32")
    np.testing.assert_array_equal(ops.maximum(a, b), np.maximum(a, b))
    np.testing.assert_array_equal(ops.minimum(a, b), np.minimum(a, b))


def test_maximum_gradient_is_split_at_ties():
    """JAX's rule (Keras's JAX backend): half to each operand where they are equal."""
    from fastkeras.graph import Graph, bind
    from fastkeras.graph.autodiff import grad
    from fastkeras.graph.interpret import evaluate
    from fastkeras import backends
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 1.0, 4.0])
    g = Graph("tie")
    with g:
        pa, pb = g.placeholder((3,), "float64"), g.placeholder((3,), "float64")
        loss = bind("sum", ops.maximum(pa, pb), axes=None)
        ga, gb = grad(loss, [pa, pb])
    got = evaluate([ga, gb], {pa: a, pb: b}, backends.get("reference"))
    np.testing.assert_array_equal(got[0], [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(got[1], [0.5, 0.0, 1.0])


def test_shape_facts_answer_at_once_on_every_kind_of_value():
    from fastkeras.graph import Graph
    sym = keras.Input((4, 3))
    assert (ops.shape(sym), ops.size(sym), ops.ndim(sym)) == ((None, 4, 3), None, 3)
    assert not ops.is_tensor(sym)
    arr = np.ones((2, 5), "float32")
    assert (ops.shape(arr), ops.size(arr), ops.ndim(arr)) == ((2, 5), 10, 2)
    assert ops.is_tensor(arr) and not ops.is_tensor([1.0]) and not ops.is_tensor(keras.Variable(1.0))
    g = Graph("facts")
    with g:
        t = g.placeholder((2, 3), "float32")
        assert (ops.shape(t), ops.size(t), ops.ndim(t), ops.is_tensor(t)) == ((2, 3), 6, 2, True)


def test_exp_reaches_the_float32_range_and_overflows_to_inf(backend):
    # ln(FLT_MAX) = 88.72283...: exp is finite up to that float and +inf past it (as NumPy
    # and JAX); below about -87.3 the native kernels flush to 0, as JAX's do.
    x = np.float32([80.0, 88.5, 88.7, 88.72283935546875, 88.723, 89.0, np.inf, -np.inf, -87.0])
    got = np.asarray(ops.exp(x))
    with np.errstate(over="ignore"):
        want = np.exp(x)
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=3e-7)
    assert np.isnan(np.asarray(ops.exp(np.float32([np.nan])))).all()
