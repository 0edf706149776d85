"""fastkeras/ops/math_extra.py beyond the op table: Keras-JAX's result dtypes, bad arguments
(Keras's exception types), NaN/inf and empty-axis behaviour, KerasTensors in a model."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate

_I = np.array([[3, -2], [0, 5]], np.int32)
_B = np.array([True, False, True])
_F = np.array([1.5, -2.0], np.float32)


@pytest.mark.parametrize("op, dtypes", [
    # (int32, bool, float32) inputs -> result dtypes, as keras 3.15 on JAX gives
    (lambda x: ops.prod(x), ("int32", "int32", "float32")),
    (lambda x: ops.cumsum(x), ("int32", "int32", "float32")),
    (lambda x: ops.cumprod(x), ("int32", "int32", "float32")),
    (lambda x: ops.count_nonzero(x), ("int32", "int32", "int32")),
    (lambda x: ops.all(x), ("bool", "bool", "bool")),
    (lambda x: ops.argmin(x), ("int32", "int32", "int32")),
    (lambda x: ops.average(x), ("float32", "float32", "float32")),
    (lambda x: ops.logsumexp(x), ("float32", "float32", "float32")),
    (lambda x: ops.norm(x), ("float32", "float32", "float32")),
    (lambda x: ops.reciprocal(x), ("float32", "float32", "float32")),
    (lambda x: ops.exp2(x), ("float32", "float32", "float32")),
    (lambda x: ops.log10(x), ("float32", "float32", "float32")),
    (lambda x: ops.cbrt(x), ("float32", "float32", "float32")),
    (lambda x: ops.fabs(x), ("float32", "float32", "float32")),
    (lambda x: ops.deg2rad(x), ("float32", "float32", "float32")),
    (lambda x: ops.hypot(x, x), ("float32", "float32", "float32")),
    (lambda x: ops.logaddexp(x, x), ("float32", "float32", "float32")),
    (lambda x: ops.isclose(x, x), ("bool", "bool", "bool")),
])
def test_result_dtypes_follow_keras_jax(op, dtypes):
    got = tuple(np.asarray(op(x)).dtype.name for x in (_I, _B, _F))
    assert got == dtypes


def test_dtype_argument_casts_first():
    np.testing.assert_array_equal(ops.cumsum(np.array([1.5, 2.7]), dtype="int32"), [1, 3])
    out = ops.prod(np.array([2, 3], np.int32), dtype="float32")
    assert out.dtype == np.float32 and out == 6.0


def test_integer_results_are_exact_beyond_float32():
    x = np.array([16777217, 3], np.int32)  # 2**24 + 1: float32 would round it
    assert int(ops.cumsum(x)[0]) == 16777217
    assert int(ops.ptp(x)) == 16777214
    assert int(ops.prod(np.array([46341, 46340], np.int64))) == 46341 * 46340
    assert int(ops.argmin(np.array([16777217, 16777216], np.int32))) == 1


def test_empty_axes_give_the_identity():
    np.testing.assert_array_equal(ops.prod(np.zeros((2, 0), np.float32), axis=1), [1.0, 1.0])
    assert bool(ops.all(np.zeros((0,), np.float32)))
    assert int(ops.count_nonzero(np.zeros((0, 3), np.float32))) == 0


def test_nan_propagation():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, -1.0, 0.0]], np.float32)
    np.testing.assert_array_equal(ops.argmin(x, axis=1), [1, 0])  # the first NaN, as NumPy
    assert np.isnan(ops.prod(x, axis=1)).all()
    assert np.isnan(ops.cumsum(x, axis=1)[0, 1:]).all() and ops.cumsum(x, axis=1)[0, 0] == 1
    np.testing.assert_array_equal(ops.count_nonzero(x, axis=1), [3, 2])  # NaN is non-zero
    assert np.isnan(ops.norm(x, axis=1)).all()
    assert np.isnan(ops.logaddexp(np.float32(np.nan), np.float32(np.inf)))


def test_argmin_keepdims_without_axis_keeps_every_axis():
    x = np.array([[4.0, 2.0], [1.0, 3.0]], np.float32)
    out = ops.argmin(x, keepdims=True)
    assert out.shape == (1, 1) and int(out[0, 0]) == 2


def test_prod_gradient_is_exact_at_a_zero():
    """d prod / d x_i is the product of the others, also where x_i = 0 (no division)."""
    x = np.array([2.0, 0.0, -3.0, 4.0])
    want = np.array([0.0, -24.0, 0.0, 0.0])
    g = Graph("prod_grad")
    with g:
        ph = g.placeholder(x.shape, "float64")
        out = ops.prod(ph)
    (dx,) = evaluate(grad(out, [ph]), {ph: x}, backends.get("reference"))
    np.testing.assert_array_equal(dx, want)


def test_norm_rejects_bad_orders_and_ranks():
    with pytest.raises(ValueError, match="vector norm"):
        ops.norm(_F, ord="fro", axis=0)
    with pytest.raises(ValueError, match="matrix norm"):
        ops.norm(np.ones((2, 2), np.float32), ord=3)
    with pytest.raises(ValueError, match="dimensions"):
        ops.norm(np.ones((2, 2, 2), np.float32), ord=1)
    for ord in ("nuc", 2, -2):
        with pytest.raises(NotImplementedError, match="singular values"):
            ops.norm(np.ones((2, 2), np.float32), ord=ord)


def test_average_checks_weights():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="`axis` must be given"):
        ops.average(x, weights=np.ones(3))
    with pytest.raises(TypeError, match="1-D `weights`"):
        ops.average(x, axis=1, weights=np.ones((1, 3)))
    with pytest.raises(ValueError, match="length of `weights`"):
        ops.average(x, axis=0, weights=np.ones(3))


def test_ptp_refuses_bool_and_axis_is_checked():
    with pytest.raises(TypeError, match="bool"):
        ops.ptp(_B)
    with pytest.raises(ValueError, match="out of bounds"):
        ops.prod(_F, axis=1)


def test_segment_arguments():
    data = np.arange(6.0, dtype=np.float32)
    ids = np.array([0, 0, 3, 1, 1, 3])
    np.testing.assert_array_equal(ops.segment_sum(data, ids), [1.0, 7.0, 0.0, 7.0])  # inferred
    with pytest.raises(ValueError, match="1-D vector"):
        ops.segment_sum(data.reshape(3, 2), ids.reshape(3, 2), num_segments=4)
    with pytest.raises(ValueError, match="same leading"):
        ops.segment_max(data, ids[:4], num_segments=4)
    ints = ops.segment_max(np.array([1, 5, 2], np.int32), np.array([0, 0, 2]), num_segments=3)
    assert ints.dtype == np.int32
    np.testing.assert_array_equal(ints, [5, np.iinfo(np.int32).min, 2])  # empty: int min


def test_segment_sum_needs_num_segments_for_symbolic_ids():
    ids = keras.Input((), dtype="int32", batch_size=4)
    data = keras.Input((), batch_size=4)
    with pytest.raises(ValueError, match="num_segments"):
        ops.segment_sum(data, ids)


def test_in_top_k_matches_the_keras_docstring_example():
    preds = np.array([[0.1, 0.4, 0.6, 0.9, 0.5], [0.1, 0.7, 0.9, 0.8, 0.3],
                      [0.1, 0.6, 0.9, 0.9, 0.5]], np.float32)
    out = ops.in_top_k(np.array([2, 4, 3]), preds, 3)
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out, [True, False, True])


def test_keras_tensors_build_a_model():
    x = keras.Input((4,))
    outs = [ops.cumsum(x, axis=1), ops.prod(x, axis=-1), ops.logsumexp(x, axis=1),
            ops.norm(x, ord=1, axis=1), ops.in_top_k(ops.argmin(x, axis=1), x, 2)]
    assert [tuple(o.shape) for o in outs] == [(None, 4), (None,), (None,), (None,), (None,)]
    assert outs[-1].dtype == "bool"
    model = keras.Model(x, outs[:4])
    d = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    got = model.predict(d, verbose=0)
    want = [np.cumsum(d, 1), d.prod(1), np.log(np.exp(d).sum(1)), np.abs(d).sum(1)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5)
