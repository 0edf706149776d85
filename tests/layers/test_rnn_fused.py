"""LSTM and GRU steps with Keras's default activations run as one fused cell primitive
(graph/primitives/recurrent.py) forward and backward: the same numbers as the composite
step they replace, on every backend, and the composite where the fused cell does not apply."""

import numpy as np
import pytest

import fastkeras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.order import live_nodes
from fastkeras.graph.passes import optimize
from fastkeras.layers.rnn import cells

LAYERS = {
    "lstm": lambda: fastkeras.layers.LSTM(5, return_sequences=True, return_state=True),
    "gru": lambda: fastkeras.layers.GRU(5, return_sequences=True, return_state=True),
    "lstm_backwards_masked": lambda: fastkeras.layers.LSTM(5, go_backwards=True),
    "gru_no_bias": lambda: fastkeras.layers.GRU(5, use_bias=False),
}


def _traced(make, x, mask=None):
    """The layer's outputs and the gradients of a weighted sum of them (input and weights),
    traced with the scan written out; and the primitives of the optimized graph's live
    nodes."""
    layer = make()
    g = Graph()
    with g:
        xp = g.placeholder(x.shape)
        out = layer(xp, mask=None if mask is None else g.constant(mask))
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        rng = np.random.default_rng(3)
        terms = [bind("sum", bind("multiply", o, g.constant(rng.uniform(-1, 1, o.shape)
                                                          .astype("float32"))), axes=None)
                 for o in outs]
        loss = terms[0]
        for t in terms[1:]:
            loss = bind("add", loss, t)
        grads = grad(loss, [xp] + [g.variable(v) for v in layer.trainable_weights])
    roots = outs + grads
    optimize(g, roots + [xp])
    live = live_nodes(g, roots)
    prims = [n.prim.name for n in g.nodes if n.prim is not None and n.id in live]
    return roots, {xp: x}, prims


def _values(name, monkeypatch, fused, backend):
    if not fused:
        monkeypatch.setattr(cells._GatedCell, "fused_step", lambda self, *ops: False)
    fastkeras.utils.set_random_seed(7)
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (3, 6, 4)).astype("float32")
    mask = np.array([[1] * 6, [1, 1, 1, 1, 0, 0], [1, 0, 1, 1, 1, 1]], bool) \
        if "masked" in name else None
    roots, feed, prims = _traced(LAYERS[name], x, mask)
    monkeypatch.undo()
    return evaluate(roots, feed, backends.get(backend)), prims


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_fused_step_matches_the_composite(backend, name, monkeypatch):
    fused, prims = _values(name, monkeypatch, True, backend)
    composite, composite_prims = _values(name, monkeypatch, False, backend)
    cell = "lstm_cell" if name.startswith("lstm") else "gru_cell"
    # One cell per step forward, one gradient per step backward, which reads the forward
    # step's activations (the backward pass's copy of the step is merged into it).
    assert prims.count(cell) == 6 and prims.count(cell + "_grad") == 6
    assert cell not in composite_prims
    assert prims.count("slice") < composite_prims.count("slice")
    for i, (f, c) in enumerate(zip(fused, composite)):
        np.testing.assert_allclose(f, c, rtol=1e-5, atol=1e-6, err_msg=f"root {i}")


@pytest.mark.parametrize("make", [
    lambda: fastkeras.layers.LSTM(3, activation="relu"),
    lambda: fastkeras.layers.LSTM(3, recurrent_activation="hard_sigmoid"),
    lambda: fastkeras.layers.GRU(3, reset_after=False),
    lambda: fastkeras.layers.GRU(3, activation="relu"),
])
def test_other_cells_keep_the_composite(make):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4)).astype("float32")
    _, _, prims = _traced(make, x)
    assert not {"lstm_cell", "gru_cell", "lstm_cell_grad", "gru_cell_grad"} & set(prims)


def _flat(v):
    return [y for x in v for y in _flat(x)] if isinstance(v, (list, tuple)) else [v]


def test_fused_cell_used_eagerly_matches_the_composite(monkeypatch):
    """A cell called on its own, eagerly (one step: the primitive's eager path)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (2, 4)).astype("float32")
    h, c = (rng.uniform(-1, 1, (2, 3)).astype("float32") for _ in range(2))
    out = {}
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(cells._GatedCell, "fused_step", lambda self, *ops: False)
        fastkeras.utils.set_random_seed(2)
        lstm, gru = fastkeras.layers.LSTMCell(3), fastkeras.layers.GRUCell(3)
        out[fused] = [np.asarray(v) for v in
                      _flat([lstm(x, [h, c]), gru(x, [h])])]
    for f, c_ in zip(out[True], out[False]):
        np.testing.assert_allclose(f, c_, rtol=1e-6, atol=1e-7)
