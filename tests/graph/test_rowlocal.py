"""graph/rowlocal.py: which traced tensors are row-local (row i depends only on the data's
row i). Sharded training relies on a True answer; a wrong True is a silent wrong gradient,
so every batch-mixing form must answer False."""

import numpy as np
import pytest

from fastkeras.graph import Graph, bind
from fastkeras.graph.rowlocal import row_local

B = 8


def trace(build):
    g = Graph("t")
    with g:
        x = g.placeholder((B, 4), "float32", "x")
        w = g.constant(np.ones((4, 3), "float32"))
        out = build(x, w, g)
    return out


ROW_LOCAL = {
    "dense": lambda x, w, g: bind("dense", x, w, g.constant(np.zeros(3, "float32")),
                                  activation="relu"),
    "matmul then softmax": lambda x, w, g: bind("softmax", bind("matmul", x, w), axis=-1),
    "bias broadcast": lambda x, w, g: bind("add", x, g.constant(np.ones(4, "float32"))),
    "(1, k) constant": lambda x, w, g: bind("multiply", x, g.constant(np.ones((1, 4), "float32"))),
    "row sums": lambda x, w, g: bind("sum", x, axes=(1,), keepdims=True),
    "reshape keeps rows": lambda x, w, g: bind("reshape", x, shape=(B, 2, 2)),
    # A convolution's patch matrix: two rows a sample through a matmul, then back.
    "rows regrouped and back": lambda x, w, g: bind("reshape", bind("matmul", bind(
        "reshape", x, shape=(B * 2, 2)), g.constant(np.ones((2, 3), "float32"))), shape=(B, 6)),
    "concatenate columns": lambda x, w, g: bind("concatenate", x, bind("exp", x), axis=1),
    "slice columns": lambda x, w, g: bind("slice", x, axis=1, start=1, stop=3),
    "loss per row": lambda x, w, g: bind("binary_crossentropy", bind("sigmoid", x),
                                         bind("sigmoid", x), from_logits=False),
    # the same value for every sample (a recurrent layer's zero initial state)
    "batch-sized constant equal in every row": lambda x, w, g: bind(
        "add", x, g.constant(np.ones((B, 4), "float32"))),
    "take by row ids": lambda x, w, g: bind("take", w, bind("cast", bind("abs", bind(
        "slice", x, axis=1, start=0, stop=1)), dtype="int32")),
}

MIXING = {
    "mean over the batch": lambda x, w, g: bind("subtract", x, bind("mean", x, axes=(0,),
                                                                    keepdims=True)),
    "sum of everything": lambda x, w, g: bind("multiply", x, bind("sum", x)),
    "softmax over the batch": lambda x, w, g: bind("softmax", x, axis=0),
    "batch-sized constant": lambda x, w, g: bind("add", x, g.constant(
        np.arange(B * 4, dtype="float32").reshape(B, 4))),
    "reshape across rows": lambda x, w, g: bind("reshape", x, shape=(B // 2, 8)),
    "regrouped rows sliced": lambda x, w, g: bind("reshape", bind("slice", bind(
        "reshape", x, shape=(B * 2, 2)), axis=0, start=0, stop=B), shape=(B, 2)),
    "regrouped rows reversed": lambda x, w, g: bind("reshape", bind("transpose", bind(
        "reshape", x, shape=(B * 2, 2)), perm=(1, 0)), shape=(B, 4)),
    "regrouped rows beside a batch-sized constant": lambda x, w, g: bind("reshape", bind(
        "add", bind("reshape", x, shape=(B * 2, 2)),
        g.constant(np.arange(B * 4, dtype="float32").reshape(B * 2, 2))),
        shape=(B, 4)),
    "concatenate rows": lambda x, w, g: bind("slice", bind("concatenate", x, x, axis=0),
                                             axis=0, start=0, stop=B),
    "slice rows": lambda x, w, g: bind("pad", bind("slice", x, axis=0, start=1, stop=B),
                                       axis=0, before=1, after=0),
    "rows as weights": lambda x, w, g: bind("matmul", bind("transpose", x), x),
    "loss of 1-D predictions": lambda x, w, g: bind("reshape", bind(
        "binary_crossentropy", bind("sigmoid", bind("reshape", x, shape=(B * 4,))),
        bind("sigmoid", bind("reshape", x, shape=(B * 4,))), from_logits=False), shape=(1,)),
}


@pytest.mark.parametrize("name", sorted(ROW_LOCAL))
def test_row_local_forms(name):
    assert row_local([trace(ROW_LOCAL[name])], B)


@pytest.mark.parametrize("name", sorted(MIXING))
def test_batch_mixing_forms(name):
    assert not row_local([trace(MIXING[name])], B)


def test_every_root_must_be_row_local():
    g = Graph("t")
    with g:
        x = g.placeholder((B, 4), "float32", "x")
        good = bind("relu", x)
        bad = bind("mean", x, axes=(0,))
        regrouped = bind("reshape", good, shape=(B * 2, 2))
    assert row_local([good], B)
    assert not row_local([good, bad], B)
    assert not row_local([good], B + 1)  # rows are counted too
    # A root must hold one row per sample, not a regrouping of them.
    assert not row_local([regrouped], B)


def _time_major(x):
    """(B, 4) -> (2, B, 2): two steps of two features, steps first."""
    return bind("transpose", bind("reshape", x, shape=(B, 2, 2)), perm=(1, 0, 2))


def _recurrence(initial, scanned, w):
    """A scan over the leading axis with the carry h -> tanh(h @ w[:2, :2] + x_t)."""
    from fastkeras.ops.loops import scan
    w2 = bind("slice", bind("slice", w, axis=0, start=0, stop=2), axis=1, start=0, stop=2)
    step = lambda h, x_t: (bind("tanh", bind("add", bind("matmul", h, w2), x_t)),) * 2  # noqa: E731
    return scan(step, initial, scanned)


# The batch axis followed through transposes, reshapes that merge it with time, and scans.
FOLLOWED = {
    "time-major, reduced over time": (True, lambda x, w, g: bind(
        "sum", bind("exp", _time_major(x)), axes=(0,))),
    "time-major, centred over the batch": (False, lambda x, w, g: bind("reshape", bind(
        "transpose", bind("subtract", _time_major(x), bind("sum", _time_major(x), axes=(1,),
                                                             keepdims=True)),
        perm=(1, 0, 2)), shape=(B, 4))),
    "time and batch merged for one matmul": (True, lambda x, w, g: bind("reshape", bind(
        "transpose", bind("reshape", bind("matmul", bind("reshape", _time_major(x),
                                                          shape=(2 * B, 2)),
                                          bind("slice", w, axis=0, start=0, stop=2)),
                          shape=(2, B, 3)), perm=(1, 0, 2)), shape=(B, 6))),
    "columns of a transposed operand become rows": (True, lambda x, w, g: bind(
        "matmul", bind("transpose", x), bind("slice", w, axis=1, start=0, stop=1),
        transpose_a=True)),
    "pooling windows over each sample's own positions": (True, lambda x, w, g: bind(
        "reshape", bind("max_pool", bind("reshape", x, shape=(B, 2, 2, 1)), pool_size=(2, 1),
                        strides=(1, 1), padding=((0, 0), (0, 0)))[0], shape=(B, 2))),
    "pooling with the samples on a spatial axis": (False, lambda x, w, g: bind("reshape", bind(
        "transpose", bind("max_pool", bind("transpose", bind("reshape", x, shape=(B, 2, 2, 1)),
                                           perm=(1, 0, 2, 3)),
                          pool_size=(1, 2), strides=(1, 1), padding=((0, 0), (0, 0)))[0],
        perm=(1, 0, 2, 3)), shape=(B, 2))),
    "a scan over time from zeros": (True, lambda x, w, g: _recurrence(
        g.constant(np.zeros((B, 2), "float32")), _time_major(x), w)[0]),
    "its stacked outputs, batch first again": (True, lambda x, w, g: bind("reshape", bind(
        "transpose", _recurrence(g.constant(np.zeros((B, 2), "float32")), _time_major(x), w)[1],
        perm=(1, 0, 2)), shape=(B, 4))),
    "a scan over the batch": (False, lambda x, w, g: bind("reshape", _recurrence(
        g.constant(np.zeros((2, 2), "float32")), bind("reshape", x, shape=(B, 2, 2)), w)[1],
        shape=(B, 4))),
    "a scan from a start that differs by row": (False, lambda x, w, g: _recurrence(
        g.constant(np.arange(B * 2, dtype="float32").reshape(B, 2)), _time_major(x), w)[0]),
}


@pytest.mark.parametrize("name", sorted(FOLLOWED))
def test_the_batch_axis_is_followed(name):
    local, build = FOLLOWED[name]
    assert row_local([trace(build)], B) == local


def test_every_primitive_declares_how_it_treats_rows():
    """The rule lives in the declaration: an op added without one is refused when it is
    declared, instead of silently switching sharded training off."""
    from fastkeras.graph.primitive import PRIMITIVES, ROW_RULES, Primitive, register
    assert all(p.rows in ROW_RULES for p in PRIMITIVES.values())
    assert all((p.rows == "axis0") == (p.batch_axis_after is not None) for p in PRIMITIVES.values())
    same = lambda specs, attrs: [specs[0]]  # noqa: E731
    with pytest.raises(ValueError, match="declare rows= one of"):
        register(Primitive("softplus_undeclared", same, lambda x: x))
    with pytest.raises(ValueError, match="rows='axis0' and batch_axis_after go together"):
        register(Primitive("softplus_axis0", same, lambda x: x, rows="axis0"))
    assert "softplus_undeclared" not in PRIMITIVES and "softplus_axis0" not in PRIMITIVES
