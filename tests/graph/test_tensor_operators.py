"""Keras's operator protocol on the graph's symbolic Tensor: each operator records the public
op, and the traced graph computes what NumPy does on the same values."""

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, Tensor
from fastkeras.graph.interpret import evaluate

_rng = np.random.default_rng(41)
_X = _rng.uniform(-2, 2, size=(3, 4)).astype(np.float32)
_Y = _rng.uniform(-2, 2, size=(4, 2)).astype(np.float32)
_M = _rng.uniform(size=(3, 4)) < 0.5

# name: (fn of the operands, inputs[, reference]); the reference is fn itself on NumPy arrays
# unless given.
CASES = {
    "matmul": (lambda x, y: x @ y, [_X, _Y]),
    "rmatmul": (lambda x: _Y.T @ ops.transpose(x), [_X]),
    "abs": (lambda x: abs(x), [_X]),
    "pos": (lambda x: +x, [_X]),
    "neg": (lambda x: -x, [_X]),
    "lt": (lambda x: x < 0.5, [_X]),
    "le": (lambda x: x <= x[0], [_X]),
    "gt": (lambda x: 0.5 > x, [_X]),  # reflected: x < 0.5
    "ge": (lambda x: x >= x[:, 1:2], [_X]),
    "ne": (lambda x: x != x[::-1], [_X]),
    "and": (lambda m: m & m[::-1], [_M]),
    "rand": (lambda m: True & m, [_M]),
    "or": (lambda m: m | m[:, ::-1], [_M]),
    "ror": (lambda m: np.array([False, True, False, True]) | m, [_M]),
    "xor": (lambda m: m ^ m[0], [_M]),
    "rxor": (lambda m: True ^ m, [_M]),
    "invert": (lambda m: ~m, [_M]),
    "getitem": (lambda x: x[:, None, 1:3][..., ::-1], [_X]),
    "getitem_rows": (lambda x: x[[2, 0, 2]], [_X]),
    "round": (lambda x: round(x * 3), [_X], lambda x: np.round(x * 3)),
    "round_ndigits": (lambda x: round(x, 1), [_X], lambda x: np.round(x, 1)),
    "mixed_expression": (lambda x, m: (abs(x[:, 0]) > 1) | m[:, 1], [_X, _M]),
    "pow": (lambda x: x ** 2, [_X]),
    "rpow": (lambda x: 2.0 ** x, [_X]),
    "floordiv": (lambda x: x // 0.5, [_X]),
    "rfloordiv": (lambda x: 3.0 // x, [_X]),
    "mod": (lambda x: x % 0.75, [_X]),
    "rmod": (lambda x: 3.0 % x, [_X]),
}


def _trace(fn, inputs, backend):
    g = Graph("operators")
    with g:
        ph = [g.placeholder(x.shape, x.dtype.name) for x in inputs]
        out = fn(*ph)
    assert isinstance(out, Tensor)
    return evaluate([out], dict(zip(ph, inputs)), backends.get(backend))[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_traced_matches_numpy(backend, name):
    fn, inputs, *ref = CASES[name]
    want = (ref[0] if ref else fn)(*inputs)
    got = _trace(fn, inputs, backend)
    assert got.dtype == want.dtype, name
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)


def test_array_on_the_left_defers_to_the_tensor():
    """`array op tensor` must not let NumPy build an object array of Tensors."""
    got = _trace(lambda x: np.float32(2) * x - np.ones(4, np.float32), [_X], "reference")
    np.testing.assert_allclose(got, 2 * _X - 1, rtol=1e-6)
    got = _trace(lambda x: (_X > 0) & (x < 1), [_X], "reference")
    np.testing.assert_array_equal(got, (_X > 0) & (_X < 1))


def test_iterating_gives_the_rows():
    got = _trace(lambda x: ops.concatenate([row[None] for row in x], axis=0), [_X],
                 "reference")
    np.testing.assert_array_equal(got, _X)
    g = Graph("scalar")
    with g:
        with pytest.raises(TypeError, match="0-d"):
            iter(g.placeholder((), "float32"))


def test_tensors_stay_hashable_by_identity():
    g = Graph("identity")
    with g:
        a = g.placeholder((2,), "float32")
        b = g.placeholder((2,), "float32")
        assert a == a and not (a == b)  # identity: graphs key dicts and sets by tensor
        assert len({a, b, a}) == 2
        assert isinstance(a != b, Tensor)


def test_boolean_mask_is_refused_in_a_trace():
    g = Graph("mask")
    with g:
        x = g.placeholder((3, 4), "float32")
        m = g.placeholder((3, 4), "bool")
        with pytest.raises(IndexError, match="boolean mask"):
            x[m]
        with pytest.raises(IndexError, match="boolean mask"):
            x[_M]


@pytest.mark.parametrize("key, error, match", [
    (3, IndexError, "index 3 is out of bounds for axis 0 with size 3"),
    ((0, -5), IndexError, "index -5 is out of bounds for axis 1 with size 4"),
    ((slice(None), [0, 4]), IndexError, "index 4 is out of bounds for axis 1"),
    ((0, 0, 0), IndexError, "too many indices"),
    ((Ellipsis, 0, Ellipsis), IndexError, "single ellipsis"),
    (1.5, IndexError, "valid indices"),
    (([0, 1], [1, 2]), NotImplementedError, "one integer array"),
])
def test_bad_keys_raise_like_numpy(key, error, match):
    g = Graph("bad_key")
    with g:
        x = g.placeholder((3, 4), "float32")
        with pytest.raises(error, match=match):
            x[key]
    with pytest.raises(error, match=match):
        ops.get_item(_X, key)


def test_slice_needs_constant_starts_and_matching_lengths():
    g = Graph("slice")
    with g:
        x = g.placeholder((3, 4), "float32")
        start = g.placeholder((2,), "int32")
        with pytest.raises(NotImplementedError, match="start_indices"):
            ops.slice(x, start, (1, 1))
    with pytest.raises(ValueError, match="`shape`"):
        ops.slice(_X, (0, 0), (1,))
    with pytest.raises(ValueError, match="`start_indices`"):
        ops.slice(_X, (0,), (1, 1))
    with pytest.raises(ValueError, match="does not fit"):
        ops.slice(_X, (0, 0), (4, 1))


def test_bitwise_ops_take_bools_only():
    with pytest.raises(NotImplementedError, match="bitwise_and.*int32"):
        ops.bitwise_and(np.array([1, 2], np.int32), np.array([3, 1], np.int32))
    with pytest.raises(NotImplementedError, match="bitwise_invert"):
        ops.bitwise_invert(np.array([1.0]))


def test_arithmetic_promotes_mixed_operands_as_keras(backend):
    # Same-dtype floats and Python numbers bind the primitive directly (what VJP rules
    # write); an int tensor, mixed float widths or a NumPy array go through the public op.
    ints, f32 = np.array([1, 2, 3], np.int32), np.float32([0.5, 1.5, 2.5])
    g = Graph("promote")
    with g:
        i, f, d = (g.placeholder((3,), dt) for dt in ("int32", "float32", "float64"))
        outs = [i + 1, f + i, f * d, 2 - i, f / np.float32(2), np.ones(3, np.float32) - f]
    assert [o.dtype for o in outs] == ["int32", "float32", "float64", "int32", "float32",
                                       "float32"]
    got = evaluate(outs, {i: ints, f: f32, d: f32.astype(np.float64)}, backends.get(backend))
    for a, b in zip(got, [ints + 1, f32 + ints, f32 * f32.astype(np.float64), 2 - ints,
                          f32 / 2, 1 - f32]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_numpy_operands_on_the_left_and_in_place_record_the_op(backend):
    x = np.float32([0.5, -1.0, 2.0])
    g = Graph("ufuncs")
    with g:
        t = g.placeholder((3,), "float32")
        labels = np.zeros(3, np.float32)  # a constant, as ops.zeros gives
        labels += 0.5 * t  # Keras code writes this on jax arrays: the name is rebound
        outs = [labels, np.float32(2) * t, np.ones(3, np.float32) ** t, np.maximum(t, 0.0)]
    assert all(isinstance(o, Tensor) for o in outs)
    got = evaluate(outs, {t: x}, backends.get(backend))
    for a, b in zip(got, [0.5 * x, 2 * x, np.ones(3) ** x, np.maximum(x, 0)]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(TypeError):  # a ufunc with no op, or writing into another array
        np.add(np.ones(3, np.float32), t, out=np.empty(3, np.float32))
