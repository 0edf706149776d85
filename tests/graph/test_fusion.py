"""Elementwise fusion (graph/fusion.py): the rewritten graph computes the same values on
every backend, each composite activation's forward and backward become programs, the fused
nodes never form a cycle, and a fused call stays within the native operand limit."""

import numpy as np
import pytest

from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.fusion import MAX_OPERANDS
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.passes import optimize
from fastkeras.graph.order import live_nodes, schedule
from fastkeras.ops import activations as A

BACKENDS = ["reference"] + [b for b in ("cpu", "numba") if backends.available(b)]
COMPOSITES = ["gelu", "gelu_tanh", "silu", "elu", "selu", "softplus", "mish", "relu6",
              "hard_sigmoid", "leaky_relu", "softsign"]
rng = np.random.default_rng(7)


def _act(name, z):
    if name == "gelu":
        return A.gelu(z, approximate=False)
    if name == "gelu_tanh":
        return A.gelu(z, approximate=True)
    return getattr(A, name)(z)


def _two_layer_step(act):
    """A two-layer MLP's loss and gradients: the second layer's gradient reaches the first
    activation through a matmul, as in training."""
    g = Graph()
    with g:
        x = g.placeholder((16, 5))
        ws = [g.placeholder(s) for s in ((5, 8), (8,), (8, 3), (3,))]
        h = _act(act, bind("bias_add", bind("matmul", x, ws[0]), ws[1]))
        p = _act(act, bind("bias_add", bind("matmul", h, ws[2]), ws[3]))
        loss = bind("mean", bind("square", p), axes=None)
        grads = grad(loss, ws)
    feed = {x: rng.normal(size=(16, 5)).astype("float32")}
    feed.update({w: rng.normal(size=w.shape).astype("float32") for w in ws})
    return g, [loss, p] + grads, feed


def _ops(g, roots):
    return [n.prim.name for n in schedule(g, live_nodes(g, roots))]


@pytest.mark.parametrize("act", COMPOSITES)
def test_fused_step_equals_unfused_on_every_backend(act):
    g, roots, feed = _two_layer_step(act)
    want = evaluate(roots, feed, backends.get("reference"))
    optimize(g, roots + list(feed))
    ops = _ops(g, roots)
    # Whatever elementwise work is left runs as programs: no single elementwise primitive.
    assert "elementwise_program" in ops
    assert not {"add", "multiply", "exp", "tanh", "divide"} & set(ops), ops
    for b in BACKENDS:
        got = evaluate(roots, feed, backends.get(b))
        for w, v in zip(want, got):
            np.testing.assert_allclose(v, w, rtol=2e-5, atol=2e-6, err_msg=f"{act} on {b}")


def test_a_value_read_through_a_reduction_splits_the_chain():
    # y2 reads y1 and sum(y1): putting y2 in y1's program would need the sum before the
    # program that computes its input. The fused graph must stay acyclic and right.
    g = Graph()
    with g:
        x = g.placeholder((4, 6))
        y1 = bind("exp", bind("multiply", x, x))
        s = bind("sum", y1, axes=(1,), keepdims=True)
        y2 = bind("add", bind("divide", y1, s), y1)
    x_val = rng.normal(size=(4, 6)).astype("float32")
    want = evaluate([y2], {x: x_val}, backends.get("reference"))
    optimize(g, [x, y2])
    order = schedule(g, live_nodes(g, [y2]))
    seen = set()
    for node in order:  # every input computed before it is read
        assert all(i.node.id in seen or i.node.kind != "op" for i in node.inputs)
        seen.add(node.id)
    assert [n.prim.name for n in order] == ["elementwise_program", "sum", "elementwise_program"]
    for b in BACKENDS:
        got = evaluate([y2], {x: x_val}, backends.get(b))
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)


def test_a_wide_chain_keeps_within_the_operand_limit():
    g = Graph()
    with g:
        xs = [g.placeholder((3, 4)) for _ in range(24)]
        total = xs[0]
        for x in xs[1:]:
            total = bind("add", bind("multiply", total, x), x)
    feed = {x: rng.normal(size=(3, 4)).astype("float32") for x in xs}
    want = evaluate([total], feed, backends.get("reference"))
    optimize(g, xs + [total])
    fused = [n for n in schedule(g, live_nodes(g, [total])) if n.prim.name == "elementwise_program"]
    assert len(fused) >= 2
    assert all(len(n.inputs) + len(n.outputs) <= MAX_OPERANDS for n in fused)
    for b in BACKENDS:
        got = evaluate([total], feed, backends.get(b))
        np.testing.assert_allclose(got[0], want[0], rtol=1e-5)


def test_values_read_elsewhere_become_outputs_and_roots_survive():
    g = Graph()
    with g:
        x = g.placeholder((5, 3))
        a = bind("tanh", x)          # read by the matmul below and by the chain
        b = bind("multiply", a, a)   # a root
        c = bind("add", b, x)
        m = bind("matmul", a, bind("transpose", c, perm=(1, 0)))
    x_val = rng.normal(size=(5, 3)).astype("float32")
    want = evaluate([b, m], {x: x_val}, backends.get("reference"))
    optimize(g, [x, b, m])
    assert _ops(g, [b, m]) == ["elementwise_program", "transpose", "matmul"]
    for be in BACKENDS:
        got = evaluate([b, m], {x: x_val}, backends.get(be))
        for w, v in zip(want, got):
            np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-6)


def test_float64_and_bool_chains():
    g = Graph()
    with g:
        x = g.placeholder((6, 2), "float64")
        mask = g.placeholder((6, 2), "bool")
        keep = bind("cast", mask, dtype="float64")
        y = bind("multiply", bind("relu", x), keep)
        flag = bind("greater", y, bind("negative", x))
    feed = {x: rng.normal(size=(6, 2)), mask: rng.random((6, 2)) > 0.5}
    want = evaluate([y, flag], feed, backends.get("reference"))
    optimize(g, [x, mask, y, flag])
    assert _ops(g, [y, flag]) == ["elementwise_program"]
    for b in BACKENDS:
        got = evaluate([y, flag], feed, backends.get(b))
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert got[1].dtype == np.bool_


def _random_graph(seed):
    """A random DAG of program ops and a few non-program ops (sum, matmul, transpose) over
    (6, 5)-shaped values, scalars, rows (5,) and columns (6, 1), with several roots."""
    r = np.random.default_rng(seed)
    g = Graph()
    unary = ["negative", "exp", "square", "abs", "sign", "relu", "sigmoid", "tanh", "erf"]
    binary = ["add", "subtract", "multiply", "maximum", "minimum"]
    with g:
        feeds = {g.placeholder((6, 5)): None, g.placeholder((5,)): None,
                 g.placeholder((6, 1)): None}
        vals = list(feeds)
        for _ in range(int(r.integers(8, 30))):
            kind = r.random()
            a = vals[int(r.integers(len(vals)))]
            if kind < 0.35:
                vals.append(bind(unary[int(r.integers(len(unary)))], bind("tanh", a)))
            elif kind < 0.75:
                b = vals[int(r.integers(len(vals)))] if r.random() < 0.8 else float(r.normal())
                vals.append(bind(binary[int(r.integers(len(binary)))], a, b))
            elif kind < 0.85:
                b = vals[int(r.integers(len(vals)))]
                if a.shape == b.shape:
                    flag = bind("greater", a, b)
                    vals.append(bind("multiply", bind("cast", flag, dtype="float32"), a))
            elif kind < 0.93 and a.shape == (6, 5):
                vals.append(bind("sum", a, axes=(1,), keepdims=True))  # (6, 1): breaks chains
            elif a.shape == (6, 5):  # a GEMM reading a chain's value, giving a row (5,)
                vals.append(bind("sum", bind("matmul", bind("transpose", a), a), axes=(0,)))
        roots = [v for v in vals[3:] if r.random() < 0.3] + [vals[-1]]
    for ph in feeds:
        feeds[ph] = r.normal(size=ph.shape).astype("float32")
    return g, list(feeds), feeds, roots


@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_fuse_to_the_same_values(seed):
    g, inputs, feed, roots = _random_graph(seed)
    want = evaluate(roots, feed, backends.get("reference"))
    optimize(g, inputs + roots)
    fused = [n for n in schedule(g, live_nodes(g, roots)) if n.prim.name == "elementwise_program"]
    assert all(len(n.inputs) + len(n.outputs) <= MAX_OPERANDS for n in fused)
    for b in BACKENDS:
        got = evaluate(roots, feed, backends.get(b))
        for w, v in zip(want, got):
            np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-6, err_msg=f"seed {seed} on {b}")


def test_column_sums_become_program_outputs():
    """sum over every axis but the last of a fused value is an output of the program (the
    value itself is not stored when nothing else reads it), on every backend and with any
    thread count the same bits on the cpu backend."""
    g = Graph()
    with g:
        x = g.placeholder((300, 70))
        v = g.placeholder((70,))
        y = bind("multiply", bind("exp", bind("multiply", x, 0.1)), v)
        s1 = bind("sum", y, axes=(0,))
        z = bind("add", y, 1.0)
        s2 = bind("sum", z, axes=0)
        w = bind("tanh", z)
    feed = {x: rng.normal(size=(300, 70)).astype("float32"),
            v: rng.normal(size=(70,)).astype("float32")}
    want = evaluate([s1, s2, w], feed, backends.get("reference"))
    optimize(g, [x, v, s1, s2, w])
    order = schedule(g, live_nodes(g, [s1, s2, w]))
    assert [n.prim.name for n in order] == ["elementwise_program"]
    assert len(order[0].attrs["sums"]) == 2 and len(order[0].attrs["outputs"]) == 1
    for b in BACKENDS:
        got = evaluate([s1, s2, w], feed, backends.get(b))
        for a, e in zip(got, want):
            np.testing.assert_allclose(a, e, rtol=2e-5, atol=1e-5, err_msg=b)
    if backends.available("cpu"):
        from fastkeras import config
        previous = config.get_num_threads()
        runs = []
        for n in (1, 2, 3):
            config.set_num_threads(n)
            runs.append(evaluate([s1, s2], feed, backends.get("cpu")))
        config.set_num_threads(previous)
        for run in runs[1:]:
            for a, e in zip(run, runs[0]):
                np.testing.assert_array_equal(a, e)
