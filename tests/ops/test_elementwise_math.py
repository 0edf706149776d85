"""fastkeras.ops.elementwise_math beyond its op-table lines: integer operands keep Keras's
integer result dtype (computed exactly through float64), eagerly and traced; so do the
arithmetic ops of ops/numpy.py."""

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph
from fastkeras.graph.interpret import evaluate

_I = np.array([-7, 3, 8, 0], np.int32)
_J = np.array([2, -2, 3, 5], np.int32)

CASES = {
    "mod": (lambda a, b: ops.mod(a, b), np.mod),
    "floor_divide": (lambda a, b: ops.floor_divide(a, b), np.floor_divide),
    "fmod": (lambda a, b: ops.fmod(a, b), np.fmod),
    "power": (lambda a, b: ops.power(a, b * b), lambda a, b: np.power(a, b * b)),
    "multiply_add": (lambda a, b: a * b + 1 - b, lambda a, b: a * b + 1 - b),
    "maximum": (lambda a, b: ops.maximum(a, b), np.maximum),
    "where": (lambda a, b: ops.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
    "operator_mod": (lambda a, b: a % b, np.mod),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_integer_operands_keep_an_integer_dtype(backend, name):
    op, ref = CASES[name]
    want = ref(_I, _J)
    got = op(_I, _J)
    assert got.dtype == np.int32 and np.array_equal(got, want)
    g = Graph("ints")
    with g:
        a, b = g.placeholder((4,), "int32"), g.placeholder((4,), "int32")
        out = op(a, b)
    assert out.dtype == "int32"
    np.testing.assert_array_equal(evaluate([out], {a: _I, b: _J}, backends.get(backend))[0],
                                  want)


def test_mixed_integer_and_float_operands_give_floats():
    assert ops.mod(_I, 2.5).dtype == np.float32
    assert ops.where(_I > 0, 1.5, _I).dtype == np.float32
    assert ops.where(_I > 0, True, False).dtype == np.bool_
