"""Data-parallel training steps for small models (the cpu backend's ShardedExecutor).

A W1-sized step (batch 32, kernels of 1-4 us) cannot use a second core one kernel at a
time: each split costs a dispatch and cross-core traffic close to the half it saves. So
the batch is split instead: shards of rows run their forward and backward side by side,
each in its own arena, then their gradients are averaged and the optimizer runs once
(csrc/sharded_executor.cpp): two synchronisations per step.

The mean of the shards' gradients is the full batch's gradient when the loss is a mean
over rows of row-local per-sample losses, and metric updates are sums over rows. This
module decides which train steps qualify and lays out a compiled plan's effects for the
executor. The shard count follows from the model, the batch and the CPUs the process may
run on, never from set_num_threads(), so results are the same for any number of threads
(with one thread the shards run one after the other).
"""

from __future__ import annotations

import numpy as np

# The machine decides whether to shard (its CPUs), never set_num_threads(), so that the
# thread count cannot change results.
from ..backends import available_cpus
from ..graph.order import ancestors
from ..graph.rowlocal import row_local

SHARDS = 2
# Paired A/B on the 2-core dev machine (docs/decisions.md), sharded / plain step time:
# W1's model (6,337 parameters) gains 1.17-1.28x at batch 32-512 but loses at batch 16
# (8 rows a shard); models of 12.7k, 21k and 83k parameters lose (0.85-0.99x): every step
# averages the gradients across cores, and their kernels already split well on their own.
MIN_SHARD_ROWS = 16
MAX_SHARDED_PARAMS = 8192
# Larger models shard when each weight serves many FLOPs a sample (a convolution's kernel at
# every position: W4 does ~420 matmul FLOPs a parameter a sample in its train step, an MLP
# ~6): their step is mostly per-row work that no kernel splits well (im2col, pooling,
# elementwise passes over large maps), beside which the gradient average is small.
MIN_FLOPS_PER_PARAM = 64
_PRODUCTS = ("matmul", "dense", "batch_matmul", "matmul_act_grad")
# Effect kinds of csrc/include/fastkeras/sharded_executor.hpp, by each effect primitive's
# declared shard_effect (graph/primitive.py SHARD_EFFECTS).
UPDATE, PER_SHARD, ONCE = 0, 1, 2
_KIND = {"update": UPDATE, "per_shard": PER_SHARD, "once": ONCE}


def _builtin_metric(metric) -> bool:
    """Built-in metrics add per-sample values and counts; a user's may not be additive."""
    fn = getattr(metric, "_fn", None)
    return type(metric).__module__.startswith("fastkeras.metrics.") and (
        fn is None or getattr(fn, "__module__", "").startswith("fastkeras."))



def shard_count(model, batch: int, backend) -> int:
    """How many shards a train step of `batch` rows runs as (1: not sharded)."""
    if not getattr(backend, "supports_sharding", False):
        return 1
    if getattr(model, "_structured_io", False):  # several inputs or outputs: not sharded
        return 1
    if available_cpus() < SHARDS or batch % SHARDS or batch // SHARDS < MIN_SHARD_ROWS:
        return 1
    if getattr(model.loss, "reduction", None) != "sum_over_batch_size":
        return 1
    if not all(_builtin_metric(m) for m in model._compiled_metrics):
        return 1
    return SHARDS


def trainable_params(model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_weights)


def small_model(model) -> bool:
    """Few enough parameters that sharding pays whatever the model does with them."""
    return trainable_params(model) <= MAX_SHARDED_PARAMS


def _product_flops(node) -> int:
    """2 * M * N * K of a (batched) matrix product node."""
    a = node.inputs[0]
    k = a.shape[-2] if node.attrs.get("transpose_a") else a.shape[-1]
    return 2 * int(np.prod(node.outputs[0].shape)) * int(k)


def _computed_params(graph) -> int:
    """Parameters the forward pass reads other than as a gathered table (an Embedding's:
    a few rows a sample, no FLOPs)."""
    roots = graph.notes.get("row_roots") or []
    needed = ancestors(t.node for t in roots)
    gathered_only = {}
    for node in graph.nodes:
        if node.id not in needed or node.prim is None:
            continue
        for i, x in enumerate(node.inputs):
            if x.node.kind == "variable":
                gather = node.prim.name == "take" and i == 0
                gathered_only[x.node.id] = gathered_only.get(x.node.id, True) and gather
    return sum(int(np.prod(n.outputs[0].shape)) for n in graph.nodes
               if n.id in gathered_only and not gathered_only[n.id])


def _graph_flops(graph) -> int:
    """Matrix-product FLOPs of a graph, a scan's body counted once a step."""
    flops = 0
    for node in graph.nodes:
        if node.prim is None:
            continue
        if node.prim.name in _PRODUCTS:
            flops += _product_flops(node)
        elif node.prim.name == "scan":
            flops += node.attrs["length"] * _graph_flops(node.attrs["body"].graph)
    return flops


def reuses_weights(graph, batch: int) -> bool:
    """The traced train step of `batch` rows does at least MIN_FLOPS_PER_PARAM matrix-product
    FLOPs a sample for each parameter it computes with (a large model that still gains from
    sharding: convolutions, recurrent layers)."""
    return _graph_flops(graph) >= MIN_FLOPS_PER_PARAM * batch * max(_computed_params(graph), 1)


def graph_qualifies(graph, shard_batch: int) -> bool:
    """The traced step's predictions and per-sample losses are row-local, and no layer added
    a loss of its own (add_loss terms may mix the batch's rows)."""
    roots = graph.notes.get("row_roots")
    return bool(roots) and not graph.notes.get("losses") and row_local(roots, shard_batch)


def effect_layout(plan):
    """(pure_end, effect kinds) for the executor, or None when the compiled plan is not
    pure ops, then elementwise optimizer updates of arena gradients, then metric sums and
    the step counter."""
    effects = [k for k, ins in enumerate(plan.instrs) if ins.prim.effect]
    if not effects or effects != list(range(effects[0], len(plan.instrs))) or plan.outputs:
        return None
    pure_end, kinds = effects[0], []
    for ins in plan.instrs[pure_end:]:
        kind = _KIND.get(ins.prim.shard_effect)
        if kind is None:  # an effect a sharded step cannot run (e.g. assign)
            return None
        if kind == UPDATE:
            # Run by element ranges, a global-norm clip would see only its range's norm.
            if ins.attrs.get("global_clipnorm"):
                return None
            grad = ins.inputs[1]
            if kinds and kinds[-1] != UPDATE or plan.buffers[grad].space != "arena":
                return None
            # The gradient is averaged over shards in place: nothing else may read it.
            if any(grad in other.inputs for other in plan.instrs if other is not ins):
                return None
        kinds.append(kind)
    return pure_end, kinds
