"""Graph passes run before planning: lowering (graph/lowering.py), constant folding, common
subexpression elimination (graph/cse.py), the pattern fusions (Dense
epilogues, backward matmuls, loss + output activation), then the generic elementwise
fusion of graph/fusion.py.

Passes rewrite nodes in place (a fused node keeps the output tensors of the node it
replaces, so consumers need no update) and leave the bypassed nodes dead for the planner's
DCE. A chain is fused only when its intermediate values have no other consumer."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .core import Graph, Tensor, bind
from .cse import eliminate_common_subexpressions
from .fusion import fuse_elementwise
from .lowering import lower
from .order import ancestors
from .stepsums import merge_step_gradients
from .primitive import get as get_primitive
from .primitives.fused import ACTIVATIONS, GRAD_HELPER
from .primitives._rules import normalize_axes

_ACT_OF_GRAD = {grad: act for act, grad in GRAD_HELPER.items()}
_LOSS_ACT = {  # (loss gradient, activation gradient) -> fused primitive
    ("binary_crossentropy_grad", "sigmoid_grad"): "binary_crossentropy_sigmoid_grad",
    ("categorical_crossentropy_grad", "softmax_grad"): "categorical_crossentropy_softmax_grad",
    ("sparse_categorical_crossentropy_grad", "softmax_grad"):
        "sparse_categorical_crossentropy_softmax_grad",
}


def _key(t: Tensor):
    return (t.node.id, t.index)


class _Uses:
    """Consumers of every tensor among the live nodes (plan outputs count as consumers)."""

    def __init__(self, graph: Graph, roots):
        self.by_tensor = defaultdict(list)
        for node in graph.nodes:
            for i, x in enumerate(node.inputs):
                self.by_tensor[_key(x)].append((node, i))
        self.roots = {_key(t) for t in roots}

    def only_consumer(self, t: Tensor, node) -> bool:
        uses = self.by_tensor[_key(t)]
        return _key(t) not in self.roots and len(uses) == 1 and uses[0][0] is node

    def consumers(self, t: Tensor):
        return [n for n, _ in self.by_tensor[_key(t)]]

    def live_ids(self, graph: Graph):
        """Ids of the nodes the roots or an effect need: a dead consumer (a gradient nobody
        asked for) must not block a rewrite or force a stored output."""
        return ancestors([n for n in graph.nodes if any(_key(t) in self.roots for t in n.outputs)]
                         + list(graph.effects))

    def replace(self, old: Tensor, new: Tensor):
        for node, i in self.by_tensor.pop(_key(old), []):
            node.inputs[i] = new
            self.by_tensor[_key(new)].append((node, i))


def _op(t: Tensor, name=None):
    node = t.node
    if node.prim is None or (name is not None and node.prim.name != name):
        return None
    return node


def _rewrite(node, prim_name, inputs, attrs):
    node.prim = get_primitive(prim_name)
    node.inputs = list(inputs)
    node.attrs = attrs


def fold_constants(graph: Graph, uses: _Uses):
    """Pure nodes whose inputs are all constants become constants (evaluated once, with the
    NumPy reference, at plan time)."""
    for node in graph.nodes:
        if node.prim is None or node.prim.effect or len(node.outputs) != 1 or not node.inputs:
            continue
        if all(x.node.kind == "constant" for x in node.inputs):
            value = node.prim.reference(*[x.node.value for x in node.inputs], **node.attrs)
            out = node.outputs[0]
            node.prim, node.kind, node.inputs = None, "constant", []
            node.value = np.asarray(value).astype(out.dtype, copy=False).reshape(out.shape)


# op -> (operand index that may be the identity constant, its value)
_IDENTITIES = {"add": ((0, 0.0), (1, 0.0)), "subtract": ((1, 0.0),),
               "multiply": ((0, 1.0), (1, 1.0)), "divide": ((1, 1.0),)}


def _is_filled_with(t: Tensor, value) -> bool:
    node = t.node
    return node.kind == "constant" and node.value is not None and \
        bool(np.all(np.asarray(node.value) == value))


def drop_identities(graph: Graph, uses: _Uses):
    """x + 0, x - 0, x * 1, x / 1 -> x where the result has x's shape and dtype. Unrolled
    scans make them: a recurrent layer's backward adds a zero cotangent for every step's
    unused output and multiplies by an all-ones step mask (W6: 160 elementwise passes and
    5 MB of constants a step). Same values (x + 0 turns -0.0 into +0.0 only)."""
    for node in graph.nodes:
        if node.prim is None or node.prim.name not in _IDENTITIES:
            continue
        out = node.outputs[0]
        if _key(out) in uses.roots:
            continue
        for i, value in _IDENTITIES[node.prim.name]:
            x = node.inputs[1 - i]
            if _is_filled_with(node.inputs[i], value) and tuple(x.shape) == tuple(out.shape) \
                    and x.dtype == out.dtype and not _state_into_effect(x, out, uses):
                uses.replace(out, x)
                break


def _state_into_effect(x: Tensor, out: Tensor, uses: _Uses) -> bool:
    """Whether `out` (a copy of the variable x's value, made before any update) feeds an
    effect: effects run after the step's updates, so one reading x itself would see the
    updated value (`v * 1.0` logged before `v.assign(...)` would log the new v)."""
    return x.node.kind in ("variable", "variable_group") and \
        any(n.prim is not None and n.prim.effect for n in uses.consumers(out))


def sum_before_pool_grad(graph: Graph, uses: _Uses):
    """sum(max_pool_grad(dy, argmax), every axis but the channels) -> the same sum of dy: the
    scatter only moves each dy value to its window's argmax (a bias's gradient below a max
    pool: W4 summed a (64, 26, 26, 32) tensor, now its (64, 13, 13, 32) cotangent, which
    the elementwise fusion then sums in the pass that makes it). Same terms, another order."""
    for node in graph.nodes:
        if node.prim is None or node.prim.name != "sum":
            continue
        scatter = _op(node.inputs[0], "max_pool_grad")
        rank = len(node.inputs[0].shape)
        if scatter is None or normalize_axes(node.attrs["axes"], rank) != tuple(range(rank - 1)):
            continue
        node.inputs[0] = scatter.inputs[0]  # dy: same rank, same channels


def fuse_loss_activation(graph: Graph, uses: _Uses):
    """act_grad(p, loss_grad(t, p, g)) with p the activation's output -> one gradient wrt
    the logits (sigmoid + binary, softmax + categorical cross-entropy)."""
    for node in graph.nodes:
        if node.prim is None or node.prim.name not in ("sigmoid_grad", "softmax_grad"):
            continue
        y, d = node.inputs
        lg = _op(d)
        if lg is None or not uses.only_consumer(d, node):
            continue
        fused = _LOSS_ACT.get((lg.prim.name, node.prim.name))
        if fused is None or lg.attrs.get("from_logits") or _key(lg.inputs[1]) != _key(y):
            continue
        if node.prim.name == "softmax_grad" and node.attrs["axis"] % len(y.shape) != len(y.shape) - 1:
            continue
        _rewrite(node, fused, lg.inputs, {})


def fuse_backward_matmul(graph: Graph, uses: _Uses):
    """act_grad(y, matmul(a, b)) -> matmul_act_grad(a, b, y), whose second output (the column
    sums) then replaces any sum(dz, axes=(0,)) of the result (the bias gradient)."""
    for node in list(graph.nodes):
        if node.prim is None or node.prim.name not in _ACT_OF_GRAD:
            continue
        y, g = node.inputs
        mm = _op(g, "matmul")
        if mm is None or not uses.only_consumer(g, node) or len(y.shape) != 2:
            continue
        dz = node.outputs[0]
        _rewrite(node, "matmul_act_grad", [mm.inputs[0], mm.inputs[1], y],
                 {"transpose_a": mm.attrs["transpose_a"], "transpose_b": mm.attrs["transpose_b"],
                  "activation": _ACT_OF_GRAD[node.prim.name]})
        db = Tensor(graph, node, 1, (dz.shape[1],), dz.dtype)
        node.outputs.append(db)
        for consumer in uses.consumers(dz):
            if consumer.prim is not None and consumer.prim.name == "sum" and \
                    _reduces_rows(consumer, dz):
                uses.replace(consumer.outputs[0], db)


def _reduces_rows(sum_node, dz):
    axes = sum_node.attrs["axes"]
    axes = (axes,) if isinstance(axes, int) else axes
    return (not sum_node.attrs["keepdims"] and axes is not None and
            sorted(a % 2 for a in axes) == [0])


def _biased_matmul(node, uses):
    """(matmul node, bias) when `node` is bias_add(matmul(x, w), b) with neither operand
    transposed and the product read by the bias_add alone, else None."""
    if node.prim is None or node.prim.name != "bias_add":
        return None
    z, b = node.inputs
    mm = _op(z, "matmul")
    if mm is None or mm.attrs["transpose_a"] or mm.attrs["transpose_b"] or \
            not uses.only_consumer(z, node):
        return None
    return mm, b


def _activation_after(t: Tensor, uses: _Uses):
    """The fusable activation node that alone reads t (not a root), else None."""
    consumers = uses.consumers(t)
    if len(consumers) == 1 and _key(t) not in uses.roots:
        act = consumers[0]
        if act.prim is not None and act.prim.name in ACTIVATIONS:
            return act
    return None


def sink_reshapes_below_bias(graph: Graph, uses: _Uses):
    """activation(bias_add(reshape(matmul(x, w)), b)) -> reshape(activation(bias_add(
    matmul(x, w), b))) when the reshape keeps the last axis: Dense on sequences and a
    convolution's GEMM over its patch matrix run 2-D and are reshaped back, so moving the
    reshape after the bias and activation lets fuse_dense put them in the GEMM's epilogue
    (one pass less over the output; same bits)."""
    bypassed = set()  # node ids: the old reshape (and bias_add) read nothing else
    for node in list(graph.nodes):
        if node.prim is None or node.prim.name != "bias_add":
            continue
        z, b = node.inputs
        reshape = _op(z, "reshape")
        if reshape is None or not uses.only_consumer(z, node):
            continue
        product = reshape.inputs[0]
        mm = _op(product, "matmul")
        if mm is None or mm.attrs["transpose_a"] or mm.attrs["transpose_b"] or \
                not uses.only_consumer(product, reshape) or z.shape[-1] != product.shape[-1]:
            continue
        act = _activation_after(node.outputs[0], uses)
        with graph:
            y = bind("bias_add", product, b)
            if act is not None:
                y = bind(act.prim.name, y, **act.attrs)
        last = node if act is None else act
        _rewrite(last, "reshape", [y], {"shape": tuple(last.outputs[0].shape)})
        bypassed |= {reshape.id} if act is None else {reshape.id, node.id}
    if bypassed:
        # Dropped now, not by the planner's DCE: fuse_dense wants the product's one reader.
        graph.nodes = [n for n in graph.nodes if n.id not in bypassed]
        graph.sort()  # the new bias_add and activation were appended after their readers


def fuse_dense(graph: Graph, uses: _Uses):
    """activation(bias_add(matmul(x, w), b)) -> dense(x, w, b, activation)."""
    for node in graph.nodes:
        found = _biased_matmul(node, uses)
        if found is None:
            continue
        mm, b = found
        target, activation = node, "linear"
        act = _activation_after(node.outputs[0], uses)
        if act is not None:
            target, activation = act, act.prim.name
        _rewrite(target, "dense", [mm.inputs[0], mm.inputs[1], b], {"activation": activation})


def narrow_matmuls(graph: Graph, uses: _Uses):
    """slice(matmul(a, b), last axis) -> matmul(a, slice(b)): only the columns kept are
    computed. A Concatenate before a Dense makes one: the Dense's input gradient is wanted
    for some of the joined inputs only (W7: the embedding's 64 of 80 columns), and the
    GEMM shrinks by the columns dropped; the slice of the weight is a small copy."""
    live = uses.live_ids(graph)
    changed = False
    for node in list(graph.nodes):
        if node.prim is None or node.prim.name != "slice":
            continue
        x = node.inputs[0]
        mm = _op(x, "matmul")
        if mm is None or len(x.shape) != 2 or node.attrs["axis"] % 2 != 1 or \
                mm.attrs["transpose_a"] or _key(x) in uses.roots or \
                [c for c in uses.consumers(x) if c.id in live] != [node]:
            continue
        start = int(node.attrs["start"])
        stop = x.shape[1] if node.attrs["stop"] is None else int(node.attrs["stop"])
        a, b = mm.inputs
        # Columns j of a @ op(b) come from op(b)'s column j: b's row j when transposed.
        with graph:
            narrow_b = bind("slice", b, axis=0 if mm.attrs["transpose_b"] else 1,
                            start=start, stop=stop)
        _rewrite(node, "matmul", [a, narrow_b], dict(mm.attrs))
        changed = True
    if changed:
        graph.sort()  # the weight's slice was appended after its reader


def fold_affine_into_matmul(graph: Graph, uses: _Uses):
    """bias_add(matmul(x * s + t, w), b) -> bias_add(matmul(x, s[:, None] * w), b + t @ w)
    for per-column vectors s, t (K,) of x (M, K), when the affine value feeds only that
    matmul: BatchNormalization in inference (a predict plan) followed by a Dense. The
    (M, K) pass of the affine becomes a (K, N) scaling of the weight and a (1, K) @ (K, N)
    product, once per call. Training plans keep the affine value for the weight gradient,
    so they never match."""
    changed = False
    for node in list(graph.nodes):
        found = _biased_matmul(node, uses)
        if found is None:
            continue
        mm, b = found
        a, w = mm.inputs
        shift = _op(a, "bias_add")
        if shift is None or len(a.shape) != 2 or not uses.only_consumer(a, mm):
            continue
        scaled, t = shift.inputs
        scale = _op(scaled, "multiply")
        if scale is None or not uses.only_consumer(scaled, shift):
            continue
        x, s = scale.inputs
        k = a.shape[1]
        if tuple(x.shape) != tuple(a.shape) or tuple(s.shape) not in ((k,), (1, k)) or \
                tuple(t.shape) != (k,):
            continue
        with graph:
            w_scaled = bind("multiply", w, bind("reshape", s, shape=(k, 1)))
            shift_out = bind("matmul", bind("reshape", t, shape=(1, k)), w,
                             transpose_a=False, transpose_b=False)
            new_b = bind("add", b, bind("reshape", shift_out, shape=(w.shape[1],)))
        mm.inputs = [x, w_scaled]
        node.inputs = [node.inputs[0], new_b]
        changed = True
    if changed:
        graph.sort()


def prepare_programs(graph: Graph, uses: _Uses):
    """Shapes elementwise work for the fusion pass: a bias_add left over by fuse_dense is
    the broadcasting add (same bits, and `add` is a program op), and a program op reading a
    broadcast_to reads its input instead where NumPy broadcasting gives the same output
    shape, so that no (rows, cols) copy of a row vector is made (the program reads it as a
    periodic input; BatchNormalization's backward has two such broadcasts)."""
    from .primitives._rules import broadcast_shapes
    for node in graph.nodes:
        if node.prim is not None and node.prim.name == "bias_add":
            _rewrite(node, "add", node.inputs, {})
    for node in graph.nodes:
        if node.prim is None or not node.prim.program_op or len(node.outputs) != 1:
            continue
        for i, x in enumerate(node.inputs):
            bc = _op(x, "broadcast_to")
            if bc is None:
                continue
            source = bc.inputs[0]
            shapes = [tuple(t.shape) for j, t in enumerate(node.inputs) if j != i]
            try:
                same = broadcast_shapes(*shapes, tuple(source.shape)) == \
                    tuple(node.outputs[0].shape)
                # and the primitive itself broadcasts (its kernel runs unfused when the
                # fusion pass leaves it alone): the gradient helpers take equal shapes only
                specs = [(tuple(source.shape) if j == i else tuple(t.shape), t.dtype)
                         for j, t in enumerate(node.inputs)]
                same = same and tuple(node.prim.shape_rule(specs, node.attrs)[0][0]) == \
                    tuple(node.outputs[0].shape)
            except ValueError:
                same = False
            if same:
                node.inputs[i] = source


def optimize(graph: Graph, roots):
    """Runs every pass; `roots` are tensors whose values must survive (plan inputs/outputs)."""
    # Merging before folding: a folded constant would hide the value it was computed from.
    for fn in (lower, eliminate_common_subexpressions, fold_constants, drop_identities,
               merge_step_gradients, narrow_matmuls, sink_reshapes_below_bias,
               sum_before_pool_grad,
               fold_affine_into_matmul, fuse_loss_activation, fuse_backward_matmul, fuse_dense,
               prepare_programs, fuse_elementwise):
        fn(graph, _Uses(graph, roots))  # consumers recomputed: each pass rewires nodes
