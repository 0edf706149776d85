"""The arena plan: aliasing (zero-copy reshape and concatenate) and no overlap between
tensors that are alive at the same time."""

from fastkeras.graph import Graph, bind
from fastkeras.graph.memory import ArenaLayout, nbytes
from fastkeras.graph.order import live_nodes, schedule


def _layout(g, inputs, outputs):
    order = schedule(g, live_nodes(g, outputs + inputs))
    return order, ArenaLayout(order, inputs, outputs)


def test_reshape_and_concat_are_zero_copy():
    g = Graph()
    with g:
        x = g.placeholder((4, 3), "float32")
        a = bind("exp", x)             # (4, 3)
        b = bind("sum", x, axes=(0,))  # (3,)
        flat = bind("concatenate", bind("reshape", a, shape=(-1,)), b, axis=0)
        y = bind("negative", flat)
    order, layout = _layout(g, [x], [y])
    offsets, _ = layout.place()
    key = lambda t: (t.node.id, t.index)  # noqa: E731
    assert {n.prim.name for n in order if n.id in layout.elided} == {"reshape", "concatenate"}
    assert offsets[key(a)] == offsets[key(flat)]
    assert offsets[key(b)] == offsets[key(flat)] + nbytes(a)


def test_live_tensors_never_overlap():
    g = Graph()
    with g:
        x = g.placeholder((16, 8), "float32")
        ts = [x]
        for i in range(12):
            ts.append(bind("tanh", ts[-1]) if i % 3 else bind("add", ts[-1], ts[max(0, len(ts) - 3)]))
        y = ts[-1]
    order, layout = _layout(g, [x], [y])
    offsets, total = layout.place()
    spans = []
    for k, t in layout.tensors.items():
        if layout.find(k)[0] == k:
            spans.append((layout.birth[k], layout.death[k], offsets[k], offsets[k] + nbytes(t)))
    for i, (b1, d1, lo1, hi1) in enumerate(spans):
        for b2, d2, lo2, hi2 in spans[i + 1:]:
            if b1 <= d2 and b2 <= d1:
                assert hi1 <= lo2 or hi2 <= lo1
    assert total < sum(nbytes(t) for t in layout.tensors.values())  # memory was reused
