"""Fusion passes: the rewritten graph computes the same values with fewer, fused nodes."""

import numpy as np
import pytest

from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.passes import optimize
from fastkeras.graph.order import live_nodes, schedule

REF = backends.get("reference")
rng = np.random.default_rng(0)


def _mlp_graph(act, loss, out_act, n_out):
    g = Graph()
    with g:
        x = g.placeholder((8, 5), "float32")
        if loss == "sparse_categorical_crossentropy":
            y = g.placeholder((8,), "int32")
        else:
            y = g.placeholder((8, n_out), "float32")
        w1 = g.constant(rng.normal(size=(5, 6)).astype("float32"))
        b1 = g.constant(rng.normal(size=(6,)).astype("float32"))
        w2 = g.constant(rng.normal(size=(6, n_out)).astype("float32"))
        b2 = g.constant(rng.normal(size=(n_out,)).astype("float32"))
        # Constants are folded; make the weights placeholders so they stay "variables".
        ws = [g.placeholder(c.shape, "float32") for c in (w1, b1, w2, b2)]
        h = bind(act, bind("bias_add", bind("matmul", x, ws[0]), ws[1]))
        p = bind(out_act, bind("bias_add", bind("matmul", h, ws[2]), ws[3]))
        loss_value = bind("mean", bind(loss, y, p), axes=None)
        grads = grad(loss_value, ws)
    feed_ws = [c.node.value for c in (w1, b1, w2, b2)]
    labels = rng.integers(0, n_out, size=8).astype("int32") if y.dtype == "int32" else \
        (rng.random((8, n_out)) > 0.5).astype("float32")
    feed = {x: rng.normal(size=(8, 5)).astype("float32"), y: labels}
    feed.update(zip(ws, feed_ws))
    return g, [loss_value, p] + grads, feed


def _ops(g, roots):
    return [n.prim.name for n in schedule(g, live_nodes(g, roots))]


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("loss,out_act,n_out", [
    ("binary_crossentropy", "sigmoid", 1),
    ("sparse_categorical_crossentropy", "softmax", 4),
    ("categorical_crossentropy", "softmax", 3),
])
def test_fused_graph_matches_unfused(act, loss, out_act, n_out):
    g, roots, feed = _mlp_graph(act, loss, out_act, n_out)
    before = evaluate(roots, feed, REF)
    optimize(g, roots + list(feed))
    after = evaluate(roots, feed, REF)
    for a, b in zip(before, after):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    ops = _ops(g, roots)
    assert "matmul_act_grad" in ops and f"{loss}_{out_act}_grad" in ops
    assert ops.count("dense") == 2  # softmax stays separate: its output feeds the loss
    for gone in ("bias_add", act + "_grad", "sigmoid_grad", "softmax_grad"):
        assert gone not in ops


def test_constants_are_folded():
    g = Graph()
    with g:
        x = g.placeholder((3,), "float32")
        c = bind("multiply", g.constant(np.float32(2)), g.constant(np.float32(4)))
        y = bind("multiply", x, bind("broadcast_to", bind("reshape", c, shape=(1,)), shape=(3,)))
    optimize(g, [x, y])
    assert _ops(g, [y]) == ["multiply"]
    np.testing.assert_allclose(evaluate([y], {x: np.ones(3, "float32")}, REF)[0], [8, 8, 8])


def test_no_fusion_when_intermediate_is_shared():
    g = Graph()
    with g:
        x = g.placeholder((4, 3), "float32")
        w = g.placeholder((3, 2), "float32")
        b = g.placeholder((2,), "float32")
        z = bind("bias_add", bind("matmul", x, w), b)
        y = bind("add", bind("relu", z), z)  # z is used twice: relu cannot absorb bias_add
    optimize(g, [x, w, b, y])
    # dense stops at the bias; relu and add then run as one elementwise program
    assert _ops(g, [y]) == ["dense", "elementwise_program"]
    assert [op for op, _, _ in y.node.attrs["program"]] == ["relu", "add"]


def test_row_vectors_join_programs_without_broadcast_copies():
    """A bias_add outside a Dense pattern becomes the program op `add`, and a broadcast_to
    read by a program op is elided where broadcasting gives the same shape (BatchNorm's
    forward and its mean's VJP): one program, no (rows, cols) copy of a row vector."""
    g = Graph()
    with g:
        x = g.placeholder((8, 5), "float32")
        scale = g.placeholder((5,), "float32")
        shift = g.placeholder((5,), "float32")
        row = g.placeholder((1, 5), "float32")
        y = bind("bias_add", bind("multiply", x, scale), shift)
        z = bind("multiply", bind("relu", y), bind("broadcast_to", row, shape=(8, 5)))
    feed = {x: rng.normal(size=(8, 5)).astype("float32"),
            scale: rng.normal(size=(5,)).astype("float32"),
            shift: rng.normal(size=(5,)).astype("float32"),
            row: rng.normal(size=(1, 5)).astype("float32")}
    want = evaluate([z], feed, REF)[0]
    optimize(g, [x, scale, shift, row, z])
    names = [n.prim.name for n in schedule(g, live_nodes(g, [z]))]
    assert names == ["elementwise_program"], names
    np.testing.assert_array_equal(evaluate([z], feed, REF)[0], want)


@pytest.mark.parametrize("transpose_b", [False, True])
def test_a_column_slice_of_a_matmul_narrows_the_matmul(transpose_b):
    """slice(a @ op(b), columns) -> a @ slice(op(b)): the dropped columns are never
    computed (a Dense's input gradient wanted for part of a Concatenate's inputs)."""
    g = Graph()
    with g:
        a = g.placeholder((6, 5), "float32")
        b = g.placeholder((7, 5) if transpose_b else (5, 7), "float32")
        prod = bind("matmul", a, b, transpose_b=transpose_b)
        out = bind("slice", prod, axis=1, start=2, stop=6)
        bind("slice", prod, axis=1, start=0, stop=2)  # dead: must not block the rewrite
    feed = {a: rng.normal(size=(6, 5)).astype("float32"),
            b: rng.normal(size=tuple(b.shape)).astype("float32")}
    want = evaluate([out], feed, REF)[0]
    optimize(g, [a, b, out])
    nodes = schedule(g, live_nodes(g, [out]))
    mm = [n for n in nodes if n.prim.name == "matmul"]
    assert len(mm) == 1 and mm[0].outputs[0].shape == (6, 4)
    np.testing.assert_allclose(evaluate([out], feed, REF)[0], want, rtol=1e-6)


def test_a_per_column_affine_before_a_dense_folds_into_its_weights():
    """bias_add(matmul(x * s + t, w), b) -> bias_add(matmul(x, s[:, None] * w), b + t @ w)
    (BatchNormalization in inference before a Dense); an affine value read elsewhere too
    (a training step's weight gradient) is left alone."""
    def build(extra_reader):
        g = Graph()
        with g:
            x = g.placeholder((16, 5), "float32")
            s, t, w, b = (g.placeholder(sh, "float32") for sh in ((5,), (5,), (5, 3), (3,)))
            a = bind("bias_add", bind("multiply", x, s), t)
            out = bind("relu", bind("bias_add", bind("matmul", a, w), b))
            roots = [out] + ([bind("sum", a, axes=None)] if extra_reader else [])
        feed = {x: rng.normal(size=(16, 5)).astype("float32"),
                s: rng.normal(size=(5,)).astype("float32"),
                t: rng.normal(size=(5,)).astype("float32"),
                w: rng.normal(size=(5, 3)).astype("float32"),
                b: rng.normal(size=(3,)).astype("float32")}
        return g, [x, s, t, w, b], roots, feed
    for extra in (False, True):
        g, ins, roots, feed = build(extra)
        want = evaluate(roots, feed, REF)
        optimize(g, ins + roots)
        big = [n for n in schedule(g, live_nodes(g, roots))
               if n.prim.name in ("dense", "matmul") and n.inputs[0].shape == (16, 5)]
        assert len(big) == 1
        assert (big[0].inputs[0] is ins[0]) is not extra  # folded only when it may be
        for got, exp in zip(evaluate(roots, feed, REF), want):
            np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_gradient_helper_never_reads_a_stripped_broadcast(backend, activation):
    """mean over the time axis after Dense(activation) on sequences: its backward broadcasts
    the gradient into the activation's gradient helper, which takes equal shapes only, so
    prepare_programs must keep that broadcast (numba trained on garbage before)."""
    import fastkeras as keras
    x = rng.standard_normal((12, 5, 3)).astype("float32")
    y = rng.standard_normal((12, 1)).astype("float32")
    losses = []
    for name in ("reference", backend):
        backends.set_backend(name)
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((5, 3)), keras.layers.Dense(3, activation=activation),
                                  keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=1)),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
        losses.append(model.fit(x, y, batch_size=12, epochs=3, shuffle=False,
                                verbose=0).history["loss"])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)


@pytest.mark.parametrize("act", ["relu", None])
def test_a_matmul_reshaped_before_its_bias_fuses_into_dense(act):
    """Dense on sequences (and a convolution's GEMM) runs 2-D and is reshaped back before
    the bias and activation: the reshape moves after them, so that the epilogue fuses."""
    g = Graph()
    with g:
        x = g.placeholder((4, 6, 5), "float32")
        w, b = g.placeholder((5, 3), "float32"), g.placeholder((3,), "float32")
        z = bind("reshape", bind("matmul", bind("reshape", x, shape=(24, 5)), w), shape=(4, 6, 3))
        y = bind("bias_add", z, b)
        if act:
            y = bind(act, y)
        loss_value = bind("mean", bind("square", y), axes=None)
        roots = [loss_value, y] + grad(loss_value, [x, w, b])
    feed = {x: rng.normal(size=(4, 6, 5)).astype("float32"),
            w: rng.normal(size=(5, 3)).astype("float32"), b: rng.normal(size=(3,)).astype("float32")}
    expected = evaluate(roots, feed, REF)
    optimize(g, roots)
    ops = _ops(g, roots)
    assert "dense" in ops and "bias_add" not in ops and "relu" not in ops
    dense = next(n for n in g.nodes if n.prim is not None and n.prim.name == "dense")
    assert dense.attrs["activation"] == (act or "linear")
    for got, want in zip(evaluate(roots, feed, REF), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_adding_zeros_and_multiplying_by_ones_are_dropped():
    """An unrolled scan's backward adds zero cotangents and multiplies by all-ones masks:
    those nodes go, unless the constant widens x by broadcasting or x is the result."""
    g = Graph()
    with g:
        x = g.placeholder((4, 3), "float32")
        col = g.placeholder((4, 1), "float32")
        zeros, ones = g.constant(np.zeros((4, 3), "float32")), g.constant(np.ones((4, 3), "float32"))
        kept = bind("add", col, zeros)  # (4, 1) + (4, 3): the zeros make the shape
        dropped = bind("divide", bind("multiply", ones, bind("subtract", bind("add", x, zeros),
                                                             zeros)), ones)
        out = bind("exp", dropped)
        roots = [out, kept]
    feed = {x: rng.normal(size=(4, 3)).astype("float32"), col: np.ones((4, 1), "float32")}
    expected = evaluate(roots, feed, REF)
    optimize(g, roots)
    ops = _ops(g, roots)
    assert ops.count("elementwise_program") + ops.count("exp") == 1
    exp_node = next(n for n in g.nodes if n.prim is not None and "exp" in str(
        (n.prim.name, n.attrs.get("program"))) and n.outputs[0] is out)
    assert len(exp_node.inputs) == 1 and exp_node.inputs[0] is x  # straight from the placeholder
    assert ops.count("add") + sum(str(n.attrs.get("program")).count("add") for n in g.nodes
                                  if n.prim is not None) >= 1  # the widening add stays
    for got, want in zip(evaluate(roots, feed, REF), expected):
        np.testing.assert_array_equal(got, want)


def test_a_bias_gradient_below_a_max_pool_sums_the_pooled_cotangent():
    # conv-like: bias_add over channels, max pool, loss; the bias's gradient is a sum of
    # max_pool_grad's output over (N, H, W), which the pass takes over dy instead.
    g = Graph()
    with g:
        x = g.placeholder((3, 6, 5, 4), "float32")
        b = g.placeholder((4,), "float32")
        w = g.constant(rng.normal(size=(3, 3, 2, 4)).astype("float32"))
        y, _ = bind("max_pool", bind("bias_add", x, b), pool_size=(2, 2), strides=(2, 2),
                    padding=((0, 0), (0, 0)))
        loss = bind("sum", bind("multiply", y, w), axes=None)
        grads = grad(loss, [x, b])
    feed = {x: rng.normal(size=(3, 6, 5, 4)).astype("float32"),
            b: rng.normal(size=(4,)).astype("float32")}
    before = evaluate(grads, feed, REF)
    optimize(g, grads + list(feed))
    after = evaluate(grads, feed, REF)
    for a, want in zip(after, before):
        np.testing.assert_allclose(a, want, rtol=1e-6, atol=1e-6)
    ops = {n: n.prim.name for n in schedule(g, live_nodes(g, grads)) if n.prim is not None}
    sums = [n for n, name in ops.items() if name == "sum"]
    assert sums and "max_pool_grad" in ops.values()
    assert all(ops.get(n.inputs[0].node) != "max_pool_grad" for n in sums)
