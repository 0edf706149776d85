"""custom_gradient: values computed one way, differentiated another (keras.ops.custom_gradient).

One node per call of a decorated function. Inputs: the call's tensor arguments (n_args),
then the outputs f computed from them. Outputs: those outputs again (the identity). Its
VJP calls the user's grad_fn on the outputs' cotangents and gives its results to the
arguments; the computed outputs get no cotangent from this node, so autodiff never enters
f's own ops through it (a value f closes over, not an argument, gets no gradient through
the outputs: as a stop_gradient). Like stop_gradient it exists only until planning:
graph/lowering.py points its readers at the outputs f computed (`lowered=True`).

Attributes: n_args, vjp (a callable: [cotangent per output] -> [cotangent or None per
argument], recorded with `bind` on the node's graph)."""

from __future__ import annotations

import numpy as np

from ..primitive import Primitive, register


def _rule(specs, attrs):
    n_args = attrs["n_args"]
    if len(specs) <= n_args:
        raise ValueError(f"custom_gradient: expected {n_args} arguments and at least one "
                         f"output, got {len(specs)} inputs")
    return list(specs[n_args:])


def _copies(ins, n_args):
    return [np.array(x, copy=True) for x in ins[n_args:]]


def _vjp(node, gouts):
    n_args = node.attrs["n_args"]
    graph = node.outputs[0].graph
    cot = [g if g is not None else graph.constant(np.zeros(o.shape, o.dtype))
           for g, o in zip(gouts, node.outputs)]
    grads = node.attrs["vjp"](cot)
    return list(grads) + [None] * (len(node.inputs) - n_args)


register(Primitive(
    "custom_gradient", _rule, lambda *ins, n_args, vjp: _copies(ins, n_args), vjp=_vjp,
    diff_inputs=None, rows="mixed", lowered=True, attr_defaults={"n_args": None, "vjp": None},
    interpret=lambda ins, attrs, backend: _copies(ins, attrs["n_args"]),
    doc="outputs computed by f, differentiated by the user's grad_fn "
        "(keras.ops.custom_gradient)"))

