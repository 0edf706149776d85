"""Model: a Layer with training methods. Built three ways, like Keras:
functional (`Model(inputs=..., outputs=...)`), Sequential, or subclassed (override call)."""

from __future__ import annotations

import numpy as np

from ..graph import Graph, Tensor
from ..layers.keras_tensor import KerasTensor
from ..layers.layer import Layer, _flatten
from ..trainers.trainer import Trainer
from .functional import FunctionalGraph

# Batch size of the throwaway traces that learn output shapes.
_SPEC_BATCH = 2


class Model(Trainer, Layer):
    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        Layer.__init__(self, **kwargs)
        self._init_trainer()
        self._functional = None
        self._build_shape = None
        self._output_shapes = {}  # input shape -> output shape (the model is traced once)
        self._structured_io = False
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._functional = FunctionalGraph(inputs, outputs)
            for layer in self._functional.layers:
                self._layers.append(layer)
            self.built = True
            # Several inputs or outputs (or a dict of them): fit/evaluate/predict take the
            # general path (trainers/io.py) beside the single-array one.
            self._structured_io = not (self._functional.single_input and
                                       self._functional.single_output)

    # ---- structure -----------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        if index is not None:
            if not 0 <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    @property
    def inputs(self):
        return list(self._functional.inputs) if self._functional else None

    @property
    def outputs(self):
        return list(self._functional.outputs) if self._functional else None

    @property
    def output_names(self):
        """Keras's names of a functional model's outputs: the layers that produce them."""
        return self._functional.output_layer_names if self._functional else None

    def _input_shape(self):
        """(None, ...) of the input; a list of them for several inputs (Keras's
        `input_shape`), in the flat order (a dict's inputs by sorted key)."""
        if self._functional is not None:
            shapes = [t.shape for t in self._functional.inputs]
            return shapes[0] if self._functional.single_input else shapes
        if self._build_shape is None:
            raise ValueError(f"Model {self.name!r} has not been built: call it on data or "
                             "call `build(input_shape)` first.")
        return self._build_shape

    def _input_dtype(self):
        if self._functional is not None:
            return self._functional.inputs[0].dtype
        return "float32"

    @property
    def input_shape(self):
        return self._input_shape()

    @property
    def output_shape(self):
        return self._output_shape()

    def _output_shape(self):
        """(None, ...) of the output; a list of them for several outputs (Keras's
        `output_shape`, a dict's outputs by sorted key)."""
        shapes = self._output_shapes_flat()
        fg = self._functional
        return shapes if fg is not None and not fg.single_output else shapes[0]

    def _output_shapes_flat(self):
        """The (None, ...) shape of each output, in the flat order, traced once."""
        in_shape = self._input_shape()
        key = tuple(in_shape) if isinstance(in_shape, list) else in_shape
        cached = self._output_shapes.get(key)
        if cached is not None:
            return cached
        graph = Graph("spec")
        with graph:
            if self._functional is not None:
                flat = [graph.placeholder(tuple(_SPEC_BATCH if d is None else d
                                                for d in t.shape), t.dtype)
                        for t in self._functional.inputs]
                y = self.call(self._functional.pack_inputs(flat),
                              **self._call_kwargs({"training": False}))
                y = self._functional.flat_outputs(y, "outputs")
            else:
                x = graph.placeholder(tuple(_SPEC_BATCH if d is None else d for d in in_shape),
                                      self._input_dtype())
                y = self.call(x, **self._call_kwargs({"training": False}))
                if isinstance(y, (list, tuple, dict)):
                    raise NotImplementedError("training subclassed models with several outputs "
                                              "is not supported yet by fastkeras; build the "
                                              "model functionally")
                y = [y]
        self._output_shapes[key] = [(None,) + tuple(t.shape[1:]) for t in y]
        return self._output_shapes[key]

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._build_for((None,) + tuple(input_shape[1:]))

    def _build_for(self, data_shape):
        """Builds a model whose input shape was not declared, from the data's shape."""
        if self._functional is not None:
            return
        if self.built and self._build_shape is not None:
            return
        shape = (None,) + tuple(data_shape[1:])
        graph = Graph("spec")
        with graph:
            x = graph.placeholder((_SPEC_BATCH,) + shape[1:], "float32")
            self.call(x, **self._call_kwargs({"training": False}))
        self._build_shape = shape
        self.built = True

    # ---- calling -------------------------------------------------------------------------
    def call(self, inputs, training=None):
        if self._functional is None:
            raise NotImplementedError(f"Model {type(self).__name__} has no call(): subclass "
                                      "Model and define call(), or build it functionally with "
                                      "Model(inputs=..., outputs=...).")
        return self._functional.run(inputs, training=training)

    def __call__(self, inputs, *args, **kwargs):
        if type(inputs) is np.ndarray:  # the compiled forward plan, as for any array below
            return self._forward_arrays(inputs)
        if isinstance(inputs, dict) and self._functional is not None and any(
                isinstance(v, (KerasTensor, Tensor)) for v in inputs.values()):
            # Tensors matched to the inputs by name (Keras's `_standardize_inputs`), then
            # traced as the flat list; a dict of arrays goes to the forward plan below.
            flat = self._functional.flat_inputs(inputs)
            inputs = flat[0] if len(flat) == 1 else flat
        elif isinstance(inputs, dict):
            return self._forward_arrays(inputs)
        flat = _flatten(inputs)
        if any(isinstance(x, (KerasTensor, Tensor)) for x in flat):
            if not self.built and not any(isinstance(x, KerasTensor) for x in flat):
                self._build_for(flat[0].shape)
            return Layer.__call__(self, inputs, *args, **kwargs)
        # Arrays: the compiled forward plan, not op-by-op eager execution.
        return self._forward_arrays(inputs)

    def _maybe_build(self, inputs):
        if not self.built:
            flat = _flatten(inputs)
            self._build_for(flat[0].shape)

    # ---- summary -------------------------------------------------------------------------
    def summary(self, print_fn=None):
        print_fn = print_fn or print
        rows = [("Layer (type)", "Output Shape", "Param #")]
        shape = self._input_shape()
        for layer in self.layers:
            if type(layer).__name__ == "InputLayer":
                continue
            try:
                shape = layer.compute_output_shape(shape)
            except Exception:  # a layer that cannot be traced alone
                shape = "?"
            rows.append((f"{layer.name} ({type(layer).__name__})", str(shape),
                         str(layer.count_params() if layer.built else 0)))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        line = "─" * sum(widths)
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        for i, r in enumerate(rows):
            print_fn("".join(c.ljust(w) for c, w in zip(r, widths)))
            if i == 0:
                print_fn(line)
        print_fn(line)
        total = sum(int(np.prod(w.shape)) for w in self.weights)
        trainable = sum(int(np.prod(w.shape)) for w in self.trainable_weights)
        print_fn(f" Total params: {total}")
        print_fn(f" Trainable params: {trainable}")
        print_fn(f" Non-trainable params: {total - trainable}")
