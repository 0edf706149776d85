"""scan: a loop over the leading axis whose body is a sub-graph (keras.ops.scan).

One node stands for all T steps, whatever T: tracing, autodiff and the graph passes see
the body once. Its VJP is another scan, running backwards, whose body recomputes one
forward step from the carry it started with (kept by the forward scan) and takes that
step's VJP. Before planning, graph/lowering.py writes the loop out as T copies of the
body (`lowered=True`: no backend has, or needs, a kernel of its own); the eager path
(tests, debugging) steps through the body with any backend's kernels.

Inputs:  the initial carries (n_carry), the scanned arrays xs (n_xs, each (T, ...)), and
         the outer values the body reads (the body graph's captures, in capture order).
Outputs: the final carries, the stacked per-step outputs ys ((T, ...) each), and the
         carry each step started from ((T, ...) each: what the VJP recomputes from).
With reverse=True, step t still reads xs[t] and writes ys[t], in the order T-1 .. 0.

Attributes: body (a ScanBody), length (T), reverse."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import Graph, Tensor, bind, current_graph
from ..primitive import FLOAT_DTYPES, Primitive, register


@dataclass(eq=False)
class ScanBody:
    """A traced loop body: graph placeholders for the carries and the step's slices of xs,
    then the captured outer values (graph.captures); the carries it returns, then ys."""
    graph: Graph
    carries_in: list
    xs_in: list
    carries_out: list
    ys: list

    @property
    def consts_in(self):
        return [inner for _, inner in self.graph.captures]

    @property
    def placeholders(self):
        return self.carries_in + self.xs_in + self.consts_in

    def __repr__(self):
        return (f"ScanBody({len(self.carries_in)} carries, {len(self.xs_in)} xs, "
                f"{len(self.graph.captures)} captures, {len(self.ys)} ys)")


def trace_body(fn, carry_specs, x_specs, parent, name="scan_body"):
    """Traces fn(carries, xs) -> (carries, ys), lists of tensors, into a body graph whose
    parent is `parent`; outer tensors fn reads become captures."""
    g = Graph(name, parent=parent)
    with g:
        carries = [g.placeholder(s, d, name="carry") for s, d in carry_specs]
        xs = [g.placeholder(s, d, name="x") for s, d in x_specs]
        carries_out, ys = fn(list(carries), list(xs))
        carries_out = [_in_body(g, t) for t in carries_out]
        ys = [_in_body(g, t) for t in ys]
    if g.effects:
        raise ValueError("scan: the loop body may not assign variables or add losses")
    for c, o in zip(carries, carries_out):
        if (c.shape, c.dtype) != (o.shape, o.dtype):
            raise ValueError(f"scan: the body must return carries of the shape and dtype it "
                             f"takes: got {o.shape}/{o.dtype} for {c.shape}/{c.dtype}")
    return ScanBody(g, carries, xs, carries_out, ys)


def _in_body(g, x):
    """x as a tensor of body graph g (an outer value is captured, a constant recorded)."""
    if isinstance(x, Tensor):
        return x if x.graph is g else g.capture(x)
    return g.constant(np.asarray(x))


def _counts(body):
    return len(body.carries_in), len(body.xs_in), len(body.graph.captures)


def _rule(specs, attrs):
    body, length = attrs["body"], attrs["length"]
    n_c, n_x, n_k = _counts(body)
    if len(specs) != n_c + n_x + n_k:
        raise ValueError(f"scan: expected {n_c + n_x + n_k} inputs, got {len(specs)}")
    want = [(p.shape, p.dtype) for p in body.carries_in] + \
        [((length,) + p.shape, p.dtype) for p in body.xs_in] + \
        [(p.shape, p.dtype) for p in body.consts_in]
    for i, ((s, d), (ws, wd)) in enumerate(zip(specs, want)):
        if (tuple(s), d) != (tuple(ws), wd):
            raise ValueError(f"scan: input {i} is {tuple(s)}/{d}, the body takes {ws}/{wd}")
    return [(c.shape, c.dtype) for c in body.carries_in] + \
        [((length,) + y.shape, y.dtype) for y in body.ys] + \
        [((length,) + c.shape, c.dtype) for c in body.carries_in]


def run_scan(ins, body, length, reverse, backend):
    """The loop, one body evaluation per step with `backend`'s eager kernels."""
    from ..interpret import evaluate  # deferred: interpret imports the planner
    n_c, n_x, _ = _counts(body)
    carries, xs, consts = list(ins[:n_c]), ins[n_c:n_c + n_x], ins[n_c + n_x:]
    ys = [np.empty((length,) + y.shape, y.dtype) for y in body.ys]
    history = [np.empty((length,) + c.shape, c.dtype) for c in body.carries_in]
    outs = body.carries_out + body.ys
    for t in (range(length - 1, -1, -1) if reverse else range(length)):
        for h, c in zip(history, carries):
            h[t] = c
        feed = dict(zip(body.placeholders, carries + [x[t] for x in xs] + list(consts)))
        values = evaluate(outs, feed, backend) if outs else []
        carries = [np.asarray(v) for v in values[:n_c]]
        for y, v in zip(ys, values[n_c:]):
            y[t] = v
    return tuple(carries + ys + history)


def _reference(*ins, body, length, reverse):
    from ... import backends
    return run_scan(ins, body, length, reverse, backends.get("reference"))


def _zeros(graph, t):
    return graph.constant(np.zeros(t.shape, t.dtype))


def _vjp(node, gouts):
    """Reverse scan over (the carry each step started from, xs[t], ys' cotangent, the
    history's cotangent): its carries are the carries' cotangent and the sum over steps
    of the captured values' cotangents; it stacks xs' cotangents."""
    from ..autodiff import grad
    body, length, reverse = node.attrs["body"], node.attrs["length"], node.attrs["reverse"]
    n_c, n_x, n_k = _counts(body)
    graph = node.outputs[0].graph
    outs = node.outputs
    fin, ys, hist = outs[:n_c], outs[n_c:n_c + len(body.ys)], outs[n_c + len(body.ys):]
    g_fin, g_ys, g_hist = gouts[:n_c], gouts[n_c:n_c + len(ys)], gouts[n_c + len(ys):]
    g_fin = [g if g is not None else _zeros(graph, t) for g, t in zip(g_fin, fin)]
    g_ys = [g if g is not None else _zeros(graph, t) for g, t in zip(g_ys, ys)]
    g_hist = [g if g is not None else _zeros(graph, t) for g, t in zip(g_hist, hist)]
    xs, consts = node.inputs[n_c:n_c + n_x], node.inputs[n_c + n_x:]

    def step(carries, slices):
        dc, acc = carries[:n_c], carries[n_c:]
        c, x, dy, dh = (slices[:n_c], slices[n_c:n_c + n_x],
                        slices[n_c + n_x:n_c + n_x + len(ys)], slices[n_c + n_x + len(ys):])
        sub = current_graph()  # the body graph being traced (there may be no carries)
        # The forward step again, on the captured values of the outer scan.
        mapping = dict(zip(body.placeholders, c + x + [sub.capture(k) for k in consts]))
        c_out, y_out = inline(body, mapping, sub)
        terms = [bind("sum", bind("multiply", a, b), axes=None)
                 for a, b in zip(c_out + y_out, dc + dy) if a.dtype in FLOAT_DTYPES]
        wrt = c + x + [mapping[p] for p in body.consts_in]
        if len({t.dtype for t in terms}) > 1:  # float32 and float64 carries: sum in float64
            terms = [bind("cast", t, dtype="float64") for t in terms]
        if terms:
            total = terms[0]
            for t in terms[1:]:
                total = bind("add", total, t)
            grads = grad(total, wrt)
        else:
            grads = [None] * len(wrt)
        grads = [g if g is not None else _zeros(sub, w) for g, w in zip(grads, wrt)]
        # (an integer carry or capture has no gradient: its zeros pass through)
        dc_in = [bind("add", g, h) if g.dtype in FLOAT_DTYPES else g
                 for g, h in zip(grads[:n_c], dh)]
        acc_out = [bind("add", a, g) if g.dtype in FLOAT_DTYPES else a
                   for a, g in zip(acc, grads[n_c + n_x:])]
        return dc_in + acc_out, grads[n_c:n_c + n_x]

    carry_specs = [(t.shape, t.dtype) for t in fin] + [(k.shape, k.dtype) for k in consts]
    x_specs = [(t.shape[1:], t.dtype) for t in list(hist) + list(xs) + list(ys) + list(hist)]
    back = trace_body(step, carry_specs, x_specs, graph, name="scan_vjp_body")
    ins = g_fin + [_zeros(graph, k) for k in consts] + list(hist) + list(xs) + g_ys + g_hist + \
        [outer for outer, _ in back.graph.captures]
    res = bind("scan", *ins, body=back, length=length, reverse=not reverse)
    res = res if isinstance(res, tuple) else (res,)
    d_init = list(res[:n_c])
    d_consts = list(res[n_c:n_c + n_k])
    d_xs = list(res[n_c + n_k:n_c + n_k + n_x])
    return d_init + d_xs + d_consts


def inline(body, mapping, graph):
    """The body's carries and ys computed in `graph` from `mapping` (body placeholder ->
    tensor of graph): one copy of every body node."""
    value = {}

    def of(t):
        if t.node.kind == "placeholder":
            return mapping[t]
        return value[(t.node.id, t.index)]

    for node in body.graph.nodes:
        if node.kind == "constant":
            value[(node.id, 0)] = graph.constant(node.value)
        elif node.kind == "variable":
            value[(node.id, 0)] = graph.variable(node.variable)
        elif node.kind == "variable_group":
            value[(node.id, 0)] = graph.variable_group(node.variables)
        elif node.prim is not None:
            outs = graph.apply(node.prim, [of(x) for x in node.inputs], dict(node.attrs)).outputs
            for o in outs:
                value[(node.id, o.index)] = o
    return [of(t) for t in body.carries_out], [of(t) for t in body.ys]


register(Primitive(
    "scan", _rule, _reference, vjp=_vjp, diff_inputs=None, lowered=True,
    attr_defaults={"body": None, "length": None, "reverse": False}, rows="scan",
    interpret=lambda ins, attrs, backend: run_scan(ins, attrs["body"], attrs["length"],
                                                   attrs["reverse"], backend),
    doc="a loop over the leading axis with a sub-graph body (keras.ops.scan)"))
