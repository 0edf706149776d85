"""Model: a Layer with training methods. Built three ways, like Keras:
functional (`Model(inputs=..., outputs=...)`), Sequential, or subclassed (override call)."""

from __future__ import annotations

import functools

import numpy as np

from ..graph import Graph, Tensor
from ..layers.keras_tensor import KerasTensor
from ..layers.layer import Layer, _flatten, name_scope
from ..layers.op_layer import OpLayer
from ..trainers.trainer import Trainer
from ..utils.naming import unique_name
from . import kinds
from ..layers.keras_tensor import SPEC_BATCH
from .functional import FunctionalGraph

# Batch size of the throwaway traces that learn output shapes (one value with layer.py's).
_SPEC_BATCH = SPEC_BATCH


def _functional_init_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


@kinds.register
class Model(Trainer, Layer):
    def __new__(cls, *args, **kwargs):
        # Keras: `Model(inputs, outputs)` makes a Functional (named "functional").
        if cls is Model and _functional_init_arguments(args, kwargs):
            return Layer.__new__(Functional, *args, **kwargs)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        trainable = kwargs.pop("trainable", None)
        Layer.__init__(self, trainable=True if trainable is None else trainable, **kwargs)
        self._init_trainer()
        self._functional = None
        self._build_shape = None
        self._output_shapes = {}  # input shape -> output shape (the model is traced once)
        self._structured_io = False
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._functional = FunctionalGraph(inputs, outputs)
            self._name_ops()
            for layer in self._functional.layers:
                self._layers.append(layer)
            if trainable is not None and not trainable:
                self.trainable = False  # freezes every layer, as Keras
            self.built = True
            # Several inputs or outputs (or a dict of them): fit/evaluate/predict take the
            # general path (trainers/io.py) beside the single-array one.
            self._structured_io = not (self._functional.single_input and
                                       self._functional.single_output)

    def _name_ops(self):
        """Keras names a `keras.ops` call after its op ("relu", "add_1"...): so do we, for
        the ops this model applies that still have their automatic name."""
        taken = {call.layer.name for call in self._functional.calls}
        taken.update(t.name for t in self._functional.inputs)
        for call in self._functional.calls:
            layer = call.layer
            if isinstance(layer, OpLayer) and layer.name.startswith("op_layer"):
                name = unique_name(getattr(layer.fn, "__name__", "op_layer"))
                while name in taken:
                    name = unique_name(getattr(layer.fn, "__name__", "op_layer"))
                taken.add(name)
                layer.name = name

    # ---- structure -----------------------------------------------------------------------
    @property
    def layers(self):
        """The direct sublayers (a functional model's InputLayers too); the ops applied to
        KerasTensors are not layers in Keras, and are left out here as there."""
        return [layer for layer in self._tracked_layers() if not isinstance(layer, OpLayer)]

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def input(self):
        if self._functional is not None:
            return self._functional.inputs_struct
        return Layer.input.fget(self)

    @property
    def output(self):
        if self._functional is not None:
            return self._functional.outputs_struct
        return Layer.output.fget(self)

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
        with graph, name_scope(self):
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

    call.fastkeras_default = True  # a subclass without call() of its own (trainers/io.py)

    def __call__(self, inputs, *args, **kwargs):
        if kwargs.get("training") is True and not any(
                isinstance(x, (KerasTensor, Tensor)) for x in _flatten(
                    list(inputs.values()) if isinstance(inputs, dict) else inputs)):
            # Keras: a training-mode call on data runs eagerly, layer by layer (dropout
            # masks drawn, BatchNormalization's moving statistics updated); the compiled
            # forward plan is inference only.
            return Layer.__call__(self, inputs, *args, **kwargs)
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

    # ---- summary and config -------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints Keras 3's table of the layers, their output shapes and parameter counts."""
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def get_config(self):
        """A functional model's graph (Keras's "layers", "input_layers", "output_layers");
        for a subclassed model, its constructor's arguments (Keras's automatic config)."""
        if self._functional is not None and kinds.functional_like_constructor(type(self)):
            from .functional_config import functional_get_config
            return functional_get_config(self)
        return Layer.get_config(self)

    get_config._default_config = True

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .functional_config import from_model_config
        return from_model_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The model's config (`keras.saving.serialize_keras_object`) as a JSON string."""
        import json
        from ..saving.serialization_lib import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    def get_build_config(self):
        if self._functional is not None:
            return {"input_shape": None}  # built from its Inputs (Keras writes the same)
        if self.built and self._build_shape is not None:
            return {"input_shape": tuple(self._build_shape)}
        return None

    def build_from_config(self, config):
        shape = (config or {}).get("input_shape")
        if self._functional is None and shape is not None:
            self.build(shape)

    # ---- saving (keras.saving) -----------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model (config, weights, optimizer state) as a `.keras` file."""
        from ..saving import saving_api
        return saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped,
                                     **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and optimizer state) as a `.weights.h5` file."""
        from ..saving import saving_api
        return saving_api.save_weights(self, filepath, overwrite=overwrite,
                                       max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5` or `.keras` file into this built model."""
        from ..saving import saving_api
        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    # ---- compile config ------------------------------------------------------------------
    @functools.wraps(Trainer.compile)
    def compile(self, *args, **kwargs):
        Trainer.compile(self, *args, **kwargs)
        from .compile_config import compile_arguments
        self._compile_args = compile_arguments(Trainer.compile, self, args, kwargs)

    def get_compile_config(self):
        """What compile() was given (Keras's keys), {} before compile()."""
        from .compile_config import compile_config
        return compile_config(self) if self.compiled else {}

    def compile_from_config(self, config):
        from .compile_config import compile_from_config
        compile_from_config(self, config)
        if self.compiled and self.built and not self.optimizer.built:
            # Keras: the optimizer's variables exist at once, for a saved state to load into.
            self.optimizer.build(self.trainable_weights)


@kinds.register
class Functional(Model):
    """What `keras.Model(inputs, outputs)` makes: a model defined by a graph of layer calls
    (Keras 3's class of this name; its configs name it "Functional")."""

    def __init__(self, inputs, outputs, name=None, **kwargs):
        Model.__init__(self, inputs=inputs, outputs=outputs, name=name, **kwargs)
