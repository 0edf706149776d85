"""graph/stepsums.py: a weight gradient summed over an unrolled scan's steps becomes one
GEMM over the stack of the steps' gradients, with the same values."""

import numpy as np
import pytest

from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.order import live_nodes, schedule
from fastkeras.graph.passes import optimize
from fastkeras.ops.loops import scan

REF = backends.get("reference")
T, B, F, U = 6, 4, 3, 5


def _recurrent_graph(start_from_zeros=True):
    """h[t] = tanh(h[t-1] @ u + (x @ w)[t]) over T steps; loss = sum(h[T-1]^2)."""
    g = Graph()
    with g:
        x = g.placeholder((T, B, F), "float32")
        w, u = g.placeholder((F, U), "float32"), g.placeholder((U, U), "float32")
        h0 = g.constant(np.zeros((B, U), "float32")) if start_from_zeros else \
            g.placeholder((B, U), "float32")
        xs = bind("reshape", bind("matmul", bind("reshape", x, shape=(T * B, F)), w),
                  shape=(T, B, U))
        step = lambda h, x_t: (bind("tanh", bind("add", bind("matmul", h, u), x_t)),) * 2  # noqa: E731
        h_last, _ = scan(step, h0, xs)
        loss = bind("sum", bind("square", h_last), axes=None)
        roots = [loss] + grad(loss, [w, u])
    rng = np.random.default_rng(0)
    feed = {x: rng.normal(size=(T, B, F)).astype("float32"),
            w: rng.normal(size=(F, U)).astype("float32") * 0.5,
            u: rng.normal(size=(U, U)).astype("float32") * 0.5}
    if not start_from_zeros:
        feed[h0] = rng.normal(size=(B, U)).astype("float32")
    return g, roots, feed


def _products(g, roots):
    """The K (contracted length) of every transposed-left matmul the plan keeps."""
    return sorted(n.inputs[0].shape[0] for n in schedule(g, live_nodes(g, roots))
                  if n.prim.name == "matmul" and n.attrs["transpose_a"])


@pytest.mark.parametrize("start_from_zeros", [True, False])
def test_the_recurrent_kernels_gradient_is_one_gemm(start_from_zeros):
    g, roots, feed = _recurrent_graph(start_from_zeros)
    expected = evaluate(roots, feed, REF)
    optimize(g, roots + list(feed))
    # u's gradient: one product over all T steps (K = T * B), as w's already was; no
    # per-step (B, U)^T @ (B, U) products left
    assert _products(g, roots) == [T * B, T * B]
    for got, want in zip(evaluate(roots, feed, REF), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_sums_that_are_not_every_step_of_one_stack_stay():
    """Per-step products whose right operands are not the steps of a stack keep their adds."""
    g = Graph()
    with g:
        a = [g.placeholder((B, U), "float32") for _ in range(5)]
        b = [g.placeholder((B, U), "float32") for _ in range(5)]
        total = bind("matmul", a[0], b[0], transpose_a=True)
        for i in range(1, 5):
            total = bind("add", total, bind("matmul", a[i], b[i], transpose_a=True))
        roots = [bind("exp", total)]
    optimize(g, roots + a + b)
    assert _products(g, roots) == [B] * 5
