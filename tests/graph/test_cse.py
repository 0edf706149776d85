"""Common subexpression elimination (graph/cse.py): equal pure nodes on the same inputs
merge, slices of concatenations read the part, reshapes of reshapes collapse; the values
stay the same, and the scan's backward pass stops recomputing the forward steps."""

import numpy as np

from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.order import live_nodes
from fastkeras.graph.passes import optimize
from fastkeras.ops.loops import scan


def _live(g, roots):
    live = live_nodes(g, roots)
    return [n.prim.name for n in g.nodes if n.prim is not None and n.id in live]


def _check(build, feed_shapes, expect):
    rng = np.random.default_rng(0)
    values = [rng.uniform(-1, 1, s).astype("float32") for s in feed_shapes]
    results = []
    for optimized in (False, True):
        g = Graph()
        with g:
            xs = [g.placeholder(s) for s in feed_shapes]
            roots = build(g, *xs)
        if optimized:
            optimize(g, roots + xs)
            expect(_live(g, roots))
        results.append(evaluate(roots, dict(zip(xs, values)), backends.get("reference")))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_equal_nodes_merge():
    def build(g, a, b):
        first = bind("tanh", bind("matmul", a, b))
        second = bind("tanh", bind("matmul", a, b))
        other = bind("matmul", a, b, transpose_b=False, transpose_a=False)
        return [bind("add", bind("add", first, second), other)]

    def expect(prims):
        assert prims.count("matmul") == 1, prims
        assert prims.count("tanh") + sum("program" in p for p in prims) <= 2

    _check(build, [(3, 4), (4, 5)], expect)


def test_different_attributes_do_not_merge():
    def build(g, a, b):
        return [bind("add", bind("matmul", a, b), bind("matmul", a, b, transpose_a=True))]

    def expect(prims):
        assert prims.count("matmul") == 2, prims

    _check(build, [(4, 4), (4, 4)], expect)


def test_slice_of_a_concatenation_reads_the_part():
    def build(g, a, b, c):
        joined = bind("concatenate", a, b, c, axis=0)
        whole_b = bind("slice", joined, axis=0, start=2, stop=5)
        inside_c = bind("slice", joined, axis=0, start=6, stop=7)
        across = bind("slice", joined, axis=0, start=1, stop=3)
        flat = bind("reshape", bind("reshape", whole_b, shape=(15,)), shape=(3, 5))
        return [bind("multiply", flat, b), inside_c, across]

    def expect(prims):
        # b is read directly (no slice, no reshape); c's row and the range across parts
        # are slices of c and of the concatenation.
        assert prims.count("slice") == 2 and "reshape" not in prims, prims

    _check(build, [(2, 5), (3, 5), (4, 5)], expect)


def test_scan_backward_reuses_the_forward_steps():
    def build(g, x, w):
        def step(carry, xt):
            h = bind("tanh", bind("add", bind("matmul", carry, w), xt))
            return h, h
        init = bind("reshape", bind("slice", x, axis=0, start=0, stop=1), shape=(2, 4))
        h, _ = scan(step, bind("multiply", init, 0.0), x)
        return [h] + grad(bind("sum", h, axes=None), [x, w])

    def expect(prims):
        # 3 steps: one product forward, two backward (to the carry and to w) per step.
        assert prims.count("matmul") == 9, prims

    _check(build, [(3, 2, 4), (4, 4)], expect)
