"""fastkeras/ops/special.py beyond the op table: Keras-JAX's result dtypes, the accuracy of
erfc/erfinv/i0, bad arguments (Keras's exception types), traced bincount, KerasTensors."""

import math

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph
from fastkeras.graph.interpret import evaluate

_I = np.array([[3, -2], [0, 5]], np.int32)
_B = np.array([True, False, True])
_F = np.array([0.5, -0.0], np.float32)


@pytest.mark.parametrize("op, dtypes", [
    # (int32, bool, float32) inputs -> result dtypes, as keras 3.15 on JAX gives
    (ops.erfc, ("float32", "float32", "float32")),
    (ops.erfinv, ("float32", "float32", "float32")),
    (ops.sinc, ("float32", "float32", "float32")),
    (ops.i0, ("float32", "float32", "float32")),
    (ops.signbit, ("bool", "bool", "bool")),
    (lambda x: ops.fmax(x, x), ("int32", "bool", "float32")),
    (lambda x: ops.heaviside(x, x), ("float32", "float32", "float32")),
    (lambda x: ops.isin(x, x), ("bool", "bool", "bool")),
    (ops.real, ("int32", "bool", "float32")),
    (ops.imag, ("int32", "bool", "float32")),
    (ops.angle, ("float32", "float32", "float32")),
    (ops.isreal, ("bool", "bool", "bool")),
])
def test_result_dtypes_follow_keras_jax(op, dtypes):
    assert tuple(np.asarray(op(x)).dtype.name for x in (_I, _B, _F)) == dtypes


def test_erfc_keeps_its_accuracy_where_one_minus_erf_cancels():
    x = np.linspace(-6, 26, 4001)
    want = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(ops.erfc(x), want, rtol=3e-13, atol=0)
    x32 = x.astype(np.float32)
    want32 = np.array([math.erfc(float(v)) for v in x32]).astype(np.float32)
    got32 = np.asarray(ops.erfc(x32))
    assert np.all(np.abs(got32 - want32) <= np.spacing(want32))  # within an ulp


def test_erfinv_inverts_erf_in_float64():
    y = np.concatenate([np.linspace(-0.5, 0.5, 1001), [1e-300, -1e-12]])
    x = np.asarray(ops.erfinv(y))
    np.testing.assert_allclose([math.erf(v) for v in x], y, rtol=5e-16, atol=0)
    # the tails, to 1 - 1e-16: erfc(result) against the exact 1 - |x|
    y = 1.0 - np.geomspace(1e-16, 0.5, 400)
    rest = 1.0 - y  # exact
    x = np.asarray(ops.erfinv(y))
    np.testing.assert_allclose([math.erfc(v) for v in x], rest, rtol=2e-13)
    x = np.asarray(ops.erfinv(-y))
    np.testing.assert_allclose([math.erfc(-v) for v in x], rest, rtol=2e-13)
    assert np.asarray(ops.erfinv(np.array([1.0, -1.0, 1.5]))).tolist()[:2] == [np.inf, -np.inf]
    assert np.isnan(ops.erfinv(np.array([1.5])))[0]


def test_i0_float64_accuracy():
    x = np.linspace(-120, 120, 2001)
    np.testing.assert_allclose(ops.i0(x), np.i0(x), rtol=5e-12)


def test_signbit_sees_the_sign_of_zero():
    got = ops.signbit(np.array([-0.0, 0.0, -1e-45, np.inf, -np.inf], np.float32))
    np.testing.assert_array_equal(got, [True, False, True, False, True])


def test_ldexp_needs_an_integer_exponent():
    with pytest.raises(TypeError, match="ldexp exponent must be an integer type"):
        ops.ldexp(np.array([1.0]), np.array([2.0]))
    with pytest.raises(TypeError, match="ldexp exponent must be an integer type"):
        ops.ldexp(np.array([1.0]), np.array([True]))
    # 2**-1100 alone underflows to 0; as 2**-550 * 2**-550 the result is exact
    assert float(ops.ldexp(np.array([2.0 ** 600]), np.array([-1100]))[0]) == 2.0 ** -500


def test_gcd_lcm_refuse_floats_and_are_exact_on_int64():
    with pytest.raises(ValueError, match="must be integers"):
        ops.gcd(np.array([4.0]), np.array([6.0]))
    with pytest.raises(ValueError, match="must be integers"):
        ops.lcm(np.array([4]), np.array([6.0]))
    a = np.array([2 ** 52 - 2, 987654321987], np.int64)
    b = np.array([2 ** 40, 123456789], np.int64)
    np.testing.assert_array_equal(ops.gcd(a, b), np.gcd(a, b))


def test_bincount_arguments():
    with pytest.raises(ValueError, match="integers"):
        ops.bincount(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        ops.bincount(np.array([1, -1]))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ops.bincount(np.zeros((2, 2, 2), np.int32))
    with pytest.raises(NotImplementedError, match="sparse"):
        ops.bincount(np.array([1]), sparse=True)
    assert np.asarray(ops.bincount(np.array([1, 1]))).tolist() == [0, 2]
    assert np.asarray(ops.bincount(np.array([1, 1]), weights=np.array([2, 3], np.int32))).dtype == np.int32


def test_traced_bincount_needs_minlength_and_drops_larger_values():
    g = Graph("bincount")
    with g:
        ph = g.placeholder((4,), "int32")
        with pytest.raises(ValueError, match="minlength"):
            ops.bincount(ph)
        out = ops.bincount(ph, minlength=3)
    got = evaluate([out], {ph: np.array([0, 2, 7, 2], np.int32)}, backends.get("numba"))[0]
    np.testing.assert_array_equal(got, [1, 0, 2])


def test_saturate_cast_limits():
    x = np.array([-1e30, 1e30, np.nan, 3.7], np.float64)
    np.testing.assert_array_equal(ops.saturate_cast(x, "int64"),
                                  [-2 ** 63, 2 ** 63 - 1024, 0, 3])
    np.testing.assert_array_equal(ops.saturate_cast(np.array([1e300, -np.inf]), "float32"),
                                  np.array([3.4028235e38, -3.4028235e38], np.float32))


def test_complex_input_is_refused():
    for op in (ops.real, ops.imag, ops.conj, ops.conjugate, ops.angle, ops.isreal):
        with pytest.raises(TypeError, match="no complex dtype"):
            op(np.array([1 + 2j]))


def test_keras_tensors_build_a_model():
    x = keras.Input((3,))
    outs = [ops.erfc(x), ops.fmax(x, 0.0), ops.isin(x, np.array([1.0, 2.0]))]
    assert [tuple(o.shape) for o in outs] == [(None, 3)] * 3
    assert outs[2].dtype == "bool"
    model = keras.Model(x, outs[:2])
    d = np.array([[0.5, -1.0, 5.0]], np.float32)
    got = model.predict(d, verbose=0)
    np.testing.assert_allclose(got[0], [[math.erfc(v) for v in d[0]]], rtol=1e-6)
    np.testing.assert_array_equal(got[1], np.maximum(d, 0))
