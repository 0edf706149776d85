"""The stop_gradient primitive (graph/primitives/stop_gradient.py) and its lowering
(graph/lowering.py): the identity for values in any dtype, no gradient to its input (a
function mixing x and stop_gradient(x) has the gradient of the same function with the
stopped part frozen, by finite differences, on every backend, interpreted node by node and
lowered, in a scan body too), and plans that never hold it, whether it reads a placeholder,
a variable, another stop_gradient or is itself a plan output."""

import numpy as np
import pytest

from fastkeras import backends, ops
from fastkeras.graph import PRIMITIVES, Graph, Variable, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.eager import run_eager
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.lowering import _LOWERINGS, lower
from fastkeras.graph.passes import _Uses, optimize
from fastkeras.graph.planner import compile_plan
from fastkeras.graph.primitive import DTYPES
from fastkeras.graph.rowlocal import row_local
from fastkeras.graph.state import StateBlock

BACKENDS = ["reference"] + [b for b in ("cpu", "numba") if backends.available(b)]
rng = np.random.default_rng(5)


def _names(graph):
    return [n.prim.name for n in graph.nodes if n.prim is not None]


def test_declaration():
    prim = PRIMITIVES["stop_gradient"]
    assert prim.lowered and prim.interpret is not None and not prim.differentiable
    assert prim.rows == "elementwise" and not prim.program_op and not prim.effect
    for dtype in DTYPES:
        assert prim.shape_rule([((2, 0, 3), dtype)], {}) == [((2, 0, 3), dtype)]
    with pytest.raises(ValueError, match="stop_gradient: expected 1 input, got 2"):
        bind("stop_gradient", np.ones(2), np.ones(2))


@pytest.mark.parametrize("backend", BACKENDS)
def test_eager_is_a_copy_in_the_input_dtype(backend):
    for x in (rng.normal(size=(3, 2)), np.arange(4, dtype=np.int64), np.array(True)):
        got, = run_eager(PRIMITIVES["stop_gradient"], [x], {}, backends.get(backend))
        assert got is not x and not np.shares_memory(got, x) and got.dtype == x.dtype
        np.testing.assert_array_equal(got, x)


def test_rows_pass_through_it():
    """Row-local (sharded training) through it; a batch mean it reads still mixes rows."""
    g = Graph()
    with g:
        x = g.placeholder((8, 4))
        local = ops.stop_gradient(x) * x
        mixed = ops.stop_gradient(ops.mean(x, axis=0, keepdims=True)) * x
    assert row_local([local], 8) and not row_local([mixed], 8)


# ---- gradients ---------------------------------------------------------------------------
# loss(x, w) = sum(tanh(x @ w) * sg(x @ w)) + sum(sg(sg(w))**2 * w): frozen, sg(x @ w) is
# the constant H0 = x0 @ w0 and sg(sg(w)) the constant w0.
X0, W0 = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)) * 0.7


def _frozen_loss(x, w):
    return np.sum(np.tanh(x @ w) * (X0 @ W0)) + np.sum(W0 ** 2 * w)


def _full_loss(x, w):  # the same without stop_gradient: its gradient must differ
    return np.sum(np.tanh(x @ w) * (x @ w)) + np.sum(w ** 3)


def _fd_grads(f, args, h=1e-6):
    grads = []
    for i, a in enumerate(args):
        g = np.zeros_like(a)
        for j in range(a.size):
            up, down = [b.copy() for b in args], [b.copy() for b in args]
            up[i].reshape(-1)[j] += h
            down[i].reshape(-1)[j] -= h
            g.reshape(-1)[j] = (f(*up) - f(*down)) / (2 * h)
        grads.append(g)
    return grads


def _mixed_graph():
    g = Graph()
    with g:
        x, w = g.placeholder((4, 3)), g.placeholder((3, 2))
        h = ops.matmul(x, w)
        loss = ops.sum(ops.tanh(h) * ops.stop_gradient(h)) + \
            ops.sum(ops.square(ops.stop_gradient(ops.stop_gradient(w))) * w)
        roots = [loss] + grad(loss, [x, w])
    return g, [x, w], roots


@pytest.mark.parametrize("lowered", [False, True])
def test_gradient_is_the_frozen_functions(lowered):
    want = _fd_grads(_frozen_loss, [X0, W0])
    full = _fd_grads(_full_loss, [X0, W0])
    assert not np.allclose(want[1], full[1], atol=1e-2)  # the stop makes a difference
    g, inputs, roots = _mixed_graph()
    if lowered:
        optimize(g, roots + inputs)
        assert "stop_gradient" not in _names(g)
    else:
        assert _names(g).count("stop_gradient") == 3
    feed = dict(zip(inputs, [X0.astype("float32"), W0.astype("float32")]))
    for b in BACKENDS:
        loss, dx, dw = evaluate(roots, feed, backends.get(b))
        np.testing.assert_allclose(loss, _frozen_loss(X0, W0), rtol=1e-5, err_msg=b)
        np.testing.assert_allclose(dx, want[0], rtol=1e-4, atol=1e-4, err_msg=f"dx on {b}")
        np.testing.assert_allclose(dw, want[1], rtol=1e-4, atol=1e-4, err_msg=f"dw on {b}")


def test_a_stopped_input_gets_no_gradient():
    g = Graph()
    with g:
        x = g.placeholder((3,))
        y = g.placeholder((3,))
        dx, dy = grad(ops.sum(ops.stop_gradient(x) * y), [x, y])
    assert dx is None and dy is not None


# In a scan body: h_t = tanh(x_t @ w + sg(h_{t-1}) @ u), loss = sum(c * ys). Frozen, every
# step reads the forward pass's h_{t-1} as a constant: no gradient reaches h0 or flows
# between steps.
T, B, D, H = 5, 2, 3, 4
XS, W, U, H0 = (rng.normal(size=s) * 0.6 for s in ((T, B, D), (D, H), (H, H), (B, H)))
C = rng.normal(size=(T, B, H))


def _forward_states(xs, w, u, h0):
    hs, h = [], h0
    for x in xs:
        hs.append(h)
        h = np.tanh(x @ w + h @ u)
    return hs  # the state each step starts from


HS = _forward_states(XS, W, U, H0)


def _frozen_scan_loss(xs, w, u, h0):
    return sum(np.sum(C[t] * np.tanh(xs[t] @ w + HS[t] @ u)) for t in range(T))


@pytest.mark.parametrize("lowered", [False, True])
def test_gradient_through_a_scan_body(lowered):
    want = _fd_grads(_frozen_scan_loss, [XS, W, U, H0])
    assert not np.any(want[3])
    g = Graph()
    with g:
        inputs = [g.placeholder(s) for s in ((T, B, D), (D, H), (H, H), (B, H))]
        xs, w, u, h0 = inputs

        def cell(h, x):
            h2 = ops.tanh(ops.matmul(x, w) + ops.matmul(ops.stop_gradient(h), u))
            return h2, h2

        _, ys = ops.scan(cell, h0, xs)
        loss = ops.sum(ys * g.constant(C.astype("float32")))
        grads = grad(loss, inputs)
    roots = [loss] + grads  # h0's is the loop's carry cotangent: zeros
    if lowered:
        optimize(g, roots + inputs)
        assert not {"scan", "stop_gradient"} & set(_names(g))
    else:
        body = next(n for n in g.nodes if n.prim is not None and n.prim.name == "scan")
        assert "stop_gradient" in _names(body.attrs["body"].graph)
    feed = dict(zip(inputs, [a.astype("float32") for a in (XS, W, U, H0)]))
    for b in BACKENDS:
        got = evaluate(roots, feed, backends.get(b))
        np.testing.assert_allclose(got[0], _frozen_scan_loss(XS, W, U, H0), rtol=1e-5)
        for name, v, fd in zip(["xs", "w", "u", "h0"], got[1:], want):
            np.testing.assert_allclose(v, fd, rtol=1e-4, atol=1e-4, err_msg=f"{name} on {b}")


# ---- lowering ----------------------------------------------------------------------------
def test_readers_read_the_input_and_only_a_root_keeps_a_view():
    g = Graph()
    with g:
        x = g.placeholder((4, 3))
        kept = bind("stop_gradient", x)                 # a plan output
        read = bind("multiply", bind("stop_gradient", x), 2.0)
    lower(g, _Uses(g, [kept, read, x]))
    assert read.node.inputs[0] is x and kept.node.inputs[0] is x
    assert _names(g).count("reshape") == 1 and kept.node.prim.name == "reshape"
    assert "stop_gradient" not in _names(g)
    g2 = Graph()
    with g2:
        x2 = g2.placeholder((4, 3))
        read2 = bind("multiply", bind("stop_gradient", x2), 2.0)
    lower(g2)  # roots unknown: a view stands for every output, no reader uses it
    assert read2.node.inputs[0] is x2 and "stop_gradient" not in _names(g2)


def test_every_lowered_primitive_has_a_lowering():
    assert set(_LOWERINGS) == {n for n, p in PRIMITIVES.items() if p.lowered}


def test_a_loop_carry_that_is_a_stop_gradient_and_a_root():
    """The body returns stop_gradient(c + x) as its carry: written out, the loop's final
    carry (a plan root) is a stop_gradient node until the next round lowers it."""
    xs = rng.normal(size=(3, 2)).astype("float32")
    g = Graph()
    with g:
        x = g.placeholder((3, 2))
        last, ys = ops.scan(lambda c, v: (ops.stop_gradient(c + v), c * 2.0),
                            g.constant(np.zeros(2, "float32")), x)
    optimize(g, [last, ys, x])
    assert not {"scan", "stop_gradient"} & set(_names(g))
    for b in BACKENDS:
        got_last, got_ys = evaluate([last, ys], {x: xs}, backends.get(b))
        np.testing.assert_allclose(got_last, xs.sum(0), rtol=1e-6, err_msg=b)
        np.testing.assert_allclose(got_ys, 2 * (np.cumsum(xs, 0) - xs), rtol=1e-6, err_msg=b)


def _plan_graph(v, w):
    """Per-row outputs: sg(x) itself, sg(sg(x * 2)) + sg(v) * x, sg(argmax(x)) (int32);
    an effect w := sg(v) reads the stopped variable directly."""
    g = Graph()
    with g:
        x = g.placeholder((4, 3))
        outs = [bind("stop_gradient", x),
                ops.stop_gradient(ops.stop_gradient(x * 2.0)) + ops.stop_gradient(v) * x,
                ops.stop_gradient(ops.argmax(x, axis=-1))]
        w.assign(ops.stop_gradient(v))
    return g, x, outs


@pytest.mark.parametrize("optimized", [True, False])
def test_plans_hold_no_stop_gradient_and_compute_the_values(optimized):
    data = rng.normal(size=(8, 3)).astype("float32")
    vv = rng.normal(size=(3,)).astype("float32")
    want = [data, data * 2 + vv * data, np.argmax(data, axis=-1)]
    for b in BACKENDS:
        v, w = Variable(vv.copy()), Variable(np.zeros(3, "float32"))
        g, x, outs = _plan_graph(v, w)
        assert [o.dtype for o in outs] == ["float32", "float32", "int32"]
        state = StateBlock([v, w])
        plan = compile_plan(g, [x], outs, state, 4, optimize=optimized)
        assert "stop_gradient" not in {i.prim.name for i in plan.instrs}
        got = [np.empty((8,) + o.shape[1:], o.dtype) for o in outs]
        backends.get(b).executor(plan, state.block).run([data], None, 0, 2, got)
        for name, a, e in zip(["sg(x)", "mixed", "argmax"], got, want):
            np.testing.assert_allclose(a, e, rtol=1e-6, err_msg=f"{name} on {b}")
        np.testing.assert_array_equal(w.numpy(), vv)
