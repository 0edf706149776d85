"""What the op table cannot say about fastkeras/ops/arrays.py: ops returning lists, Keras-JAX's
dtypes of the creation ops, traced constants, and Keras's exceptions for bad arguments."""

import numpy as np
import pytest

import fastkeras as keras
import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, Tensor
from fastkeras.graph.interpret import evaluate

_X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def _assert_pieces(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), w)


@pytest.mark.parametrize("name, args", [
    ("split", (2, -1)), ("split", ([1, 1, 3], 2)), ("split", ([], 0)),
    ("array_split", (3, 2)), ("array_split", (5, 1)), ("hsplit", ([2],)), ("vsplit", (2,)),
    ("dsplit", (4,))])
def test_splits_give_every_piece(name, args):
    _assert_pieces(getattr(ops, name)(_X, *args), getattr(np, name)(_X, *args))


def test_unstack_gives_each_slice_and_ignores_num_as_keras_jax():
    _assert_pieces(ops.unstack(_X, axis=-2), list(np.moveaxis(_X, -2, 0)))
    assert len(ops.unstack(_X, num=5)) == 2


def test_meshgrid_gives_one_grid_per_input_with_its_dtype():
    a, b = np.arange(3, dtype=np.int32), np.linspace(0, 1, 2).astype(np.float32)
    grids = ops.meshgrid(a, b)
    _assert_pieces(grids, np.meshgrid(a, b))
    assert [g.dtype.name for g in grids] == ["int32", "float32"]
    assert ops.meshgrid() == []


def test_split_pieces_traced_and_functional():
    g = Graph("split")
    with g:
        x = g.placeholder((2, 3, 4))
        pieces = ops.array_split(x, 3, axis=-1)
    got = evaluate(pieces, {x: _X}, backends.get("reference"))
    _assert_pieces(got, np.array_split(_X, 3, axis=-1))

    inputs = keras.Input((4,))
    model = keras.Model(inputs, ops.split(inputs, [1], axis=-1))
    _assert_pieces(model.predict(_X[0], verbose=0), np.split(_X[0], [1], axis=-1))


def _dtype(x):
    return np.asarray(x).dtype.name


@pytest.mark.parametrize("call, dtype", [
    (lambda: ops.arange(5), "int32"), (lambda: ops.arange(np.int64(2), 7), "int32"),
    (lambda: ops.arange(0.0, 3), "float32"), (lambda: ops.arange(0, 3, 0.5), "float32"),
    (lambda: ops.arange(True, 3), "int32"), (lambda: ops.arange(3, dtype="float64"), "float64"),
    (lambda: ops.eye(3), "float32"), (lambda: ops.eye(2, 3, dtype="int32"), "int32"),
    (lambda: ops.identity(2), "float32"), (lambda: ops.tri(3, dtype="bool"), "bool"),
    (lambda: ops.full((2,), 3), "float32"), (lambda: ops.empty((2,)), "float32"),
    (lambda: ops.linspace(0, 1, 3), "float32"), (lambda: ops.logspace(0, 1, 3), "float32"),
    (lambda: ops.zeros_like(np.zeros(2, bool)), "bool"),
    (lambda: ops.ones_like(np.zeros(2, np.int32)), "int32"),
    (lambda: ops.full_like(np.zeros(2), 1, dtype="int32"), "int32"),
    (lambda: ops.array([1, 2]), "int32"), (lambda: ops.array([1.0]), "float32"),
    (lambda: ops.array(np.zeros(2)), "float64"),
    (lambda: ops.trace(np.ones((2, 2), bool)), "int32"),
    (lambda: ops.outer(np.arange(3, dtype=np.int32), np.ones(2, np.int32)), "int32"),
    (lambda: ops.stack([np.ones(2, np.int32), np.ones(2, np.float32)]), "float32"),
])
def test_dtypes_are_keras_jax(call, dtype):
    assert _dtype(call()) == dtype


def test_integer_casts_of_creation_ops_as_keras_jax():
    # Values from Keras 3.15.1 on JAX: a float fill truncates, integer linspace floors.
    np.testing.assert_array_equal(ops.full((2,), 3.5, dtype="int32"), [3, 3])
    np.testing.assert_array_equal(ops.full_like(np.zeros(2, np.int32), -2.5), [-2, -2])
    np.testing.assert_array_equal(ops.linspace(0, -10, 4, dtype="int32"), [0, -4, -7, -10])
    samples, step = ops.linspace(0.0, 1.0, 5, retstep=True)
    np.testing.assert_allclose(samples, np.linspace(0, 1, 5))
    assert float(step) == 0.25


def test_like_ops_of_a_traced_tensor_are_traced_constants():
    g = Graph("like")
    with g:
        x = g.placeholder((2, 3), "int32")
        zeros, filled = ops.zeros_like(x), ops.full_like(x, 7.0, dtype="float32")
    assert isinstance(zeros, Tensor) and (zeros.shape, zeros.dtype) == ((2, 3), "int32")
    got = evaluate([zeros, filled], {x: np.ones((2, 3), np.int32)}, backends.get("reference"))
    np.testing.assert_array_equal(got[0], np.zeros((2, 3)))
    np.testing.assert_array_equal(got[1], np.full((2, 3), 7.0))


def test_copy_of_a_variable_keeps_its_value_at_the_time():
    v = keras.Variable(np.ones(3, np.float32))
    snapshot = ops.copy(v)
    v.assign(np.zeros(3, np.float32))
    np.testing.assert_array_equal(snapshot, np.ones(3))


@pytest.mark.parametrize("call, error, words", [
    (lambda: ops.stack([]), ValueError, "at least one"),
    (lambda: ops.stack([np.ones(2), np.ones(3)]), ValueError, "same shape"),
    (lambda: ops.split(np.ones(5), 2), ValueError, "divisible"),
    (lambda: ops.split(np.ones(5), [3, 1]), ValueError, "nonnegative"),
    (lambda: ops.split(np.ones(5), [1, 9]), ValueError, "nonnegative"),
    (lambda: ops.array_split(np.ones(5), 0), ValueError, "larger than 0"),
    (lambda: ops.vsplit(np.ones(4), 2), ValueError, "2 or more dimensions"),
    (lambda: ops.fliplr(np.ones(3)), ValueError, "2 or more dimensions"),
    (lambda: ops.tile(np.ones(3), -1), ValueError, "non-negative"),
    (lambda: ops.repeat(np.ones(3), -1), ValueError, "non-negative"),
    (lambda: ops.repeat(np.ones(3), [1, 2]), ValueError, "2 counts for an axis of size 3"),
    (lambda: ops.repeat(np.ones(3), 1.5), ValueError, "integers"),
    (lambda: ops.flip(np.ones((2, 3)), 2), ValueError, "out of range"),
    (lambda: ops.roll(np.ones((2, 3)), (1, 2, 3), axis=(0, 1)), ValueError, "broadcast"),
    (lambda: ops.rot90(np.ones(3)), ValueError, "at least 2 dimensions"),
    (lambda: ops.rot90(np.ones((2, 2)), axes=(1, -1)), ValueError, "two different"),
    (lambda: ops.moveaxis(np.ones((2, 3)), [0, 1], [1]), ValueError, "Inconsistent"),
    (lambda: ops.swapaxes(np.ones((2, 3)), 0, 2), IndexError, "out of bounds"),
    (lambda: ops.tril(np.ones(3)), ValueError, "2 or more dimensions"),
    (lambda: ops.diag(np.ones((2, 2, 2))), ValueError, "1d or 2d"),
    (lambda: ops.diagonal(np.ones((2, 2)), axis1=1, axis2=-1), ValueError, "same"),
    (lambda: ops.trace(np.ones(3)), ValueError, "2 or more dimensions"),
    (lambda: ops.arange(0, 3, 0), ZeroDivisionError, "step"),
    (lambda: ops.linspace(0, 1, -1), ValueError, "non-negative"),
    (lambda: ops.meshgrid(np.ones(2), indexing="ab"), ValueError, "'xy' and 'ij'"),
    (lambda: ops.meshgrid(np.ones((2, 2))), ValueError, "1D"),
    (lambda: ops.cross(np.ones(4), np.ones(3)), ValueError, "2 or 3"),
    (lambda: ops.tensordot(np.ones((2, 3)), np.ones((4, 3)), axes=1), TypeError, "differ"),
    (lambda: ops.tensordot(np.ones((2, 3)), np.ones(3), axes=2), ValueError, "axes=2"),
    (lambda: ops.vdot(np.ones(3), np.ones(4)), TypeError, "differ"),
])
def test_bad_arguments_raise_keras_exception_types(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_shapes_known_only_at_run_time_are_refused():
    g = Graph("dynamic")
    with g:
        n = g.placeholder((), "int32")
        with pytest.raises(ValueError, match="known when the op runs"):
            ops.arange(n)
        with pytest.raises(ValueError, match="data-dependent"):
            ops.repeat(np.ones(3), g.placeholder((3,), "int32"))
