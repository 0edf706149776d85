"""`Model.summary()`: Keras 3's table (keras/src/utils/summary_utils.py): one row per layer
with "Layer (type)", "Output Shape", "Param #" (and "Connected to" for a functional model
that is not a plain chain, "Trainable" on request), then the parameter totals with their
sizes. Drawn with the same box characters as Keras's rich table, without colours."""

from __future__ import annotations

import re
import shutil
import textwrap

import numpy as np

from ..graph import Graph
from ..layers.op_layer import OpLayer
from . import kinds


def count_params(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def weight_memory_size(weights):
    """Bytes held by the weights (each counted once)."""
    unique = {id(w): w for w in weights}.values()
    return sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in unique)


def readable_memory_size(size):
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _class_name(layer):
    if isinstance(layer, OpLayer):  # Keras's op classes: Relu, Add, Concatenate...
        from .op_nodes import keras_class_name
        return keras_class_name(layer.fn.__name__)
    return type(layer).__name__


def _sequential_shapes(model):
    """Each layer's output shape in a built Sequential model, from one trace of the stack."""
    shapes = {}
    if model._build_shape is None or not model._layers:
        return shapes
    graph = Graph("summary")
    with graph:
        x = graph.placeholder((2,) + tuple(model._build_shape[1:]), model._input_dtype())
        for layer in model._layers:
            x = layer(x, training=False)
            shapes[id(layer)] = [(None,) + tuple(t.shape[1:])
                                 for t in (x if isinstance(x, (list, tuple)) else [x])]
    return shapes


def _layer_shape(layer, traced):
    shapes = traced.get(id(layer))
    if shapes is None and layer._calls:  # the last call's outputs (Keras: last node)
        shapes = [t.shape for t in layer._calls[-1].outputs]
    if shapes is None and layer.built and layer.get_build_config():
        try:
            shapes = [layer.compute_output_shape(layer.get_build_config()["input_shape"])]
        except Exception:  # a layer that cannot be traced alone
            shapes = None
    if not shapes:
        return "?"
    if len(shapes) == 1:
        return format_shape(shapes[0])
    return "[" + ", ".join(format_shape(s) for s in shapes) + "]"


def _is_chain(fg):
    """Keras's "sequential-like": one input, and every call has one input and feeds one
    call (no branch, no merge, no shared layer)."""
    if len(fg.inputs) != 1 or len({id(t) for t in fg.outputs}) != 1:
        return False
    consumers, layers = {}, set()
    for call in fg.calls:
        if len(call.inputs) != 1 or id(call.layer) in layers:
            return False
        layers.add(id(call.layer))
        consumers[id(call.inputs[0])] = consumers.get(id(call.inputs[0]), 0) + 1
    return all(n == 1 for n in consumers.values())


def _rows(model, expand_nested, show_trainable, layer_range):
    fg = model._functional
    if isinstance(model, kinds.get("Sequential")):
        layers, chain, traced = model.layers, True, _sequential_shapes(model)
    elif fg is None:
        layers, chain, traced = model.layers, True, {}
    else:
        layers, chain, traced = fg.layers, _is_chain(fg), {}
    own = set() if fg is None else {id(c) for c in fg.calls}

    def connections(layer):
        out = []
        for call in layer._calls:
            if id(call) not in own:
                continue  # a call of this layer outside this model
            for kt in call.inputs:
                source, index = kt._history
                node = next(i for i, c in enumerate(source.layer._calls) if c is source)
                out.append(f"{source.layer.name}[{node}][{index}]")
        return ", ".join(out) or "-"

    def fields(layer, prefix, nested_traced):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{prefix}{layer.name} ({_class_name(layer)})",
               _layer_shape(layer, nested_traced), params]
        if not chain:
            row.append(connections(layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def rows_of(layer, level, nested_traced):
        rows = [fields(layer, "   " * level + "└ " if level else "", nested_traced)]
        sublayers = getattr(layer, "layers", None) if expand_nested else None
        if sublayers and hasattr(layer, "_functional"):
            inner = _sequential_shapes(layer) if isinstance(layer, kinds.get("Sequential")) else {}
            inner_fg = layer._functional
            for sub in (inner_fg.layers if inner_fg is not None else sublayers):
                rows.extend(rows_of(sub, level + 1, inner))
        return rows

    start, stop = _layer_range(layers, layer_range)
    rows = []
    for layer in layers[start:stop]:
        rows.extend(rows_of(layer, 0, traced))
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if chain else ["Connected to"])
    return chain, header, rows


def _layer_range(layers, layer_range):
    """Keras's `get_layer_index_bound_by_layer_name`: [first, last + 1] of the layers whose
    names match the two patterns."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(p, str) for p in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _table(header, rows, widths, align):
    """A table drawn like rich's (heavy head, a rule between rows)."""
    # rich: each column is its width plus one space each side; the line's borders and
    # that padding are then taken back from the columns evenly (`ratio_reduce`).
    segments = [w + 2 for w in widths]
    excess, left = sum(segments) + len(segments) + 1 - sum(widths), len(segments)
    for i, seg in enumerate(segments):
        cut = min(seg, round(excess / left))
        segments[i], excess, left = seg - cut, excess - cut, left - 1
    inner = [seg - 2 for seg in segments]

    def line(left, fill, mid, right):
        return left + mid.join(fill * (w + 2) for w in inner) + right

    def fit(text, width, wrap):
        """rich's cell: words wrapped (the header kept to one line), a word too long for
        the column cut with an ellipsis."""
        lines = textwrap.wrap(text, width, break_long_words=False,
                              break_on_hyphens=False) if wrap else [text]
        return [t if len(t) <= width else t[:width - 1] + "…" for t in lines] or [""]

    def cells(values, joint):
        wrapped = [fit(v, w, joint == "│") for v, w in zip(values, inner)]
        out = []
        for i in range(max(len(c) for c in wrapped)):
            parts = []
            for c, w, a in zip(wrapped, inner, align):
                text = c[i] if i < len(c) else ""
                parts.append(text.rjust(w) if a == "right" else
                             text.center(w) if a == "center" else text.ljust(w))
            out.append(joint + joint.join(f" {p} " for p in parts) + joint)
        return out

    lines = [line("┏", "━", "┳", "┓")] + cells(header, "┃") + [line("┡", "━", "╇", "┩")]
    for i, row in enumerate(rows):
        if i:
            lines.append(line("├", "─", "┼", "┤"))
        lines.extend(cells(row, "│"))
    lines.append(line("└", "─", "┴", "┘"))
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    chain, header, rows = _rows(model, expand_nested, show_trainable, layer_range)
    if chain:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        align = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        align = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header = header + ["Trainable"]
        align = align + ["center"]
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width

    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    counts = [("Trainable params", count_params(trainable), weight_memory_size(trainable)),
              ("Non-trainable params", count_params(non_trainable),
               weight_memory_size(non_trainable))]
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer is not None and optimizer.built:
        counts.append(("Optimizer params", count_params(optimizer.variables),
                       weight_memory_size(optimizer.variables)))
    total = ("Total params", sum(c[1] for c in counts), sum(c[2] for c in counts))
    lines = [f'Model: "{model.name}"'] + _table(header, rows, widths, align)
    lines += [f" {name}: {n:,} ({readable_memory_size(size)})"
              for name, n, size in [total] + counts]
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)  # Keras hands print_fn the whole table at once
