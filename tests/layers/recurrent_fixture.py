"""The traced-call check shared by the recurrent layers' Keras-fixture tests
(test_rnn_keras.py, test_conv_lstm.py): a case's call traced into a graph with the scan
written out (as the compiled steps run it), its outputs and the gradients of a weighted sum
of them, compared with real Keras's numbers on a backend."""

import numpy as np

from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.passes import optimize


def trace_call(layer, x, kwargs, call, flatten, loss_weights):
    """(roots, feed, number of outputs): call(layer, x, kwargs)'s flattened outputs, then the
    gradients of sum(output * weights) w.r.t. x and the layer's trainable weights."""
    g = Graph()
    with g:
        xp = g.placeholder(x.shape)
        kw = dict(kwargs)
        for key in ("states", "initial_state"):
            if key in kw:
                kw[key] = [g.constant(s) for s in kw[key]]
        if "mask" in kw:
            kw["mask"] = g.constant(kw["mask"])
        outs = flatten(call(layer, xp, kw))
        r = loss_weights([o.shape for o in outs])
        terms = [bind("sum", bind("multiply", o, g.constant(ri)), axes=None)
                 for o, ri in zip(outs, r)]
        loss = terms[0]
        for t in terms[1:]:
            loss = bind("add", loss, t)
        wrt = [xp] + [g.variable(v) for v in layer.trainable_weights]
        grads = grad(loss, wrt)
    roots = outs + grads
    optimize(g, roots + [xp])
    assert not any(n.prim is not None and n.prim.name == "scan" for n in g.nodes)
    return roots, {xp: x}, len(outs)


def check_traced(traced, backend, outputs, want):
    """The traced outputs (1e-5) and gradients (1e-4) on `backend` against Keras's: `outputs`
    its outputs, want(key) its "grad_x" and "grad_w<i>" arrays."""
    roots, feed, n_out = traced
    got = evaluate(roots, feed, backends.get(backend))
    for i, (g, w) in enumerate(zip(got[:n_out], outputs)):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
    grads = got[n_out:]
    np.testing.assert_allclose(grads[0], want("grad_x"), rtol=1e-4, atol=1e-4, err_msg="d/dx")
    for i, g in enumerate(grads[1:]):
        np.testing.assert_allclose(g, want(f"grad_w{i}"), rtol=1e-4, atol=1e-4,
                                   err_msg=f"d/d weight {i}")
