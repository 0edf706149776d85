"""Every public op of fastkeras.ops (tests/ops/op_table.py) against NumPy on every backend,
eagerly and traced into a graph, and its gradient against finite differences."""

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.interpret import evaluate

from ..graph.gradcheck import assert_grad_matches_finite_differences
from .op_table import NOT_OPS, TABLE


def test_every_public_op_has_a_table_line():
    covered = {name.split("[")[0] for name in TABLE}
    public = {n for n in ops.__all__ if callable(getattr(ops, n))}  # not the submodules
    missing = sorted(public - NOT_OPS - covered)
    assert missing == [], f"public ops without a line in tests/ops/op_table.py: {missing}"


def _float32(inputs):
    return [x.astype(np.float32) if x.dtype.kind == "f" else x for x in inputs]


@pytest.mark.parametrize("name", sorted(TABLE))
def test_eager_matches_numpy(backend, name):
    call, ref, inputs, _ = TABLE[name]
    xs = _float32(inputs)
    np.testing.assert_allclose(np.asarray(call(ops, *xs)), ref(*xs), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_traced_matches_numpy(backend, name):
    call, ref, inputs, _ = TABLE[name]
    xs = _float32(inputs)
    g = Graph("op_table")
    with g:
        ph = [g.placeholder(x.shape, x.dtype.name) for x in xs]
        out = call(ops, *ph)
    got = evaluate([out], dict(zip(ph, xs)), backends.get(backend))[0]
    np.testing.assert_allclose(got, ref(*xs), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n, line in TABLE.items() if line[3]))
def test_gradient_matches_finite_differences(name):
    call, _, inputs, _ = TABLE[name]
    xs = [np.array(x, dtype=np.float64) for x in inputs]
    g = Graph("op_table_grad")
    with g:
        ph = [g.placeholder(x.shape, "float64") for x in xs]
        out = call(ops, *ph)
        w = np.random.default_rng(0).uniform(-1, 1, size=out.shape)
        loss = bind("sum", bind("multiply", out, g.constant(w)), axes=None)
    assert_grad_matches_finite_differences(loss, ph, xs, range(len(xs)), name)
