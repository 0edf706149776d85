"""fastkeras/ops/nan_ops.py beyond the op table: Keras-JAX's result dtypes, all-NaN slices,
shapes with keepdims, gradients that NaNs must not reach, KerasTensors in a model."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras import backends

_I = np.array([[3, -2], [0, 5]], np.int32)
_B = np.array([True, False, True])
_F = np.array([1.5, np.nan], np.float32)
_ALL_NAN = np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32)


@pytest.mark.parametrize("op, dtypes", [
    # (int32, bool, float32) inputs -> result dtypes, as keras 3.15 on JAX gives
    (ops.nan_to_num, ("int32", "bool", "float32")),
    (ops.nansum, ("int32", "int32", "float32")),
    (ops.nanprod, ("int32", "int32", "float32")),
    (ops.nanmean, ("float32", "float32", "float32")),
    (ops.nanvar, ("float32", "float32", "float32")),
    (ops.nanstd, ("float32", "float32", "float32")),
    (ops.nanmax, ("int32", "bool", "float32")),
    (ops.nanmin, ("int32", "bool", "float32")),
    (ops.nanargmax, ("int32", "int32", "int32")),
    (ops.nanargmin, ("int32", "int32", "int32")),
    (ops.nancumsum, ("int32", "int32", "float32")),
    (ops.nancumprod, ("int32", "int32", "float32")),
    (lambda x: ops.divide_no_nan(x, x), ("float32", "float32", "float32")),
])
def test_result_dtypes_follow_keras_jax(op, dtypes):
    assert tuple(np.asarray(op(x)).dtype.name for x in (_I, _B, _F)) == dtypes


def test_all_nan_slices_match_keras_jax():
    # keras 3.15 on JAX, axis=1: nansum 0, nanprod 1, nanmean/var/std/max/min NaN, arg -1
    got = {name: np.asarray(getattr(ops, name)(_ALL_NAN, axis=1))[0] for name in (
        "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax",
        "nanargmin")}
    assert got["nansum"] == 0 and got["nanprod"] == 1
    assert all(np.isnan(got[n]) for n in ("nanmean", "nanvar", "nanstd", "nanmax", "nanmin"))
    assert got["nanargmax"] == -1 and got["nanargmin"] == -1
    np.testing.assert_array_equal(ops.nancumsum(_ALL_NAN, axis=1), [[0, 0], [1, 1]])


def test_keepdims_without_axis_keeps_every_axis():
    for name in ("nansum", "nanmean", "nanmax", "nanargmax", "nanargmin", "nanstd"):
        assert np.shape(getattr(ops, name)(_ALL_NAN, keepdims=True)) == (1, 1), name
    assert int(ops.nanargmax(_ALL_NAN)) == 2  # over the flattened tensor


def test_nan_to_num_defaults_are_the_dtype_limits():
    x = np.array([np.inf, -np.inf, np.nan], np.float64)
    big = np.finfo(np.float64).max
    np.testing.assert_array_equal(ops.nan_to_num(x), [big, -big, 0.0])
    assert np.asarray(ops.nan_to_num(x)).dtype == np.float64


def _grad_of(fn, x):
    g = Graph("nan_grad")
    with g:
        ph = g.placeholder(x.shape, "float64")
        loss = bind("sum", fn(ph), axes=None)
        (dx,) = grad(loss, [ph])
    return evaluate([dx], {ph: x}, backends.get("reference"))[0]


def test_gradients_skip_nans_and_zero_divisors():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    np.testing.assert_array_equal(_grad_of(lambda t: ops.nansum(t, axis=1), x),
                                  [[1, 0, 1], [0, 0, 0]])
    np.testing.assert_allclose(_grad_of(lambda t: ops.nanvar(t, axis=1)[:1], x),
                               [[-1.0, 0.0, 1.0], [0, 0, 0]])
    b = np.array([0.0, 2.0])
    assert np.isfinite(_grad_of(lambda t: ops.divide_no_nan(1.0, t), b)).all()
    assert _grad_of(lambda t: ops.divide_no_nan(1.0, t), b)[0] == 0.0


def test_keras_tensors_build_a_model():
    x = keras.Input((3,))
    ratio = ops.divide(x, x)  # NaN where x == 0 (predict refuses NaN data itself)
    outs = [ops.nansum(ratio, axis=1), ops.nan_to_num(ratio, nan=-1.0),
            ops.nanargmax(x, axis=1)]
    assert [tuple(o.shape) for o in outs] == [(None,), (None, 3), (None,)]
    model = keras.Model(x, outs[:2])
    d = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]], np.float32)
    got = model.predict(d, verbose=0)
    np.testing.assert_array_equal(got[0], [2.0, 0.0])
    np.testing.assert_array_equal(got[1], [[1, -1, 1], [-1, -1, -1]])
