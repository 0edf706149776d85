"""Sequential: a plain stack of layers, each with one input and one output."""

from __future__ import annotations

from ..graph import Graph
from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor
from ..layers.layer import Layer, dtype_policy_config, name_scope
from . import kinds
from .model import _SPEC_BATCH, Model


@kinds.register
class Sequential(Model):
    _x_feeds_first_layer = True  # trainers/io.py checks its first layer's ids on x

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._input_layer = None
        self._out_spec = None  # (shape, dtype) of the last layer's output once traced
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"Sequential expects a list of layers, received {type(layers).__name__}")
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if isinstance(layer, KerasTensor):
            layer = layer._history[0].layer
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("An Input can only be the first element of a Sequential model")
            object.__setattr__(self, "_input_layer", layer)  # not one of the model's layers
            self._build_shape = layer.batch_shape
            return
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer!r} (of type {type(layer).__name__})")
        if not self._layers and self._input_layer is None and layer._input_shape_arg is not None:
            object.__setattr__(self, "_input_layer", InputLayer(shape=layer._input_shape_arg))
            self._build_shape = self._input_layer.batch_shape
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f"Name {layer.name!r} is already the name of a layer in this model.")
        self._layers.append(layer)
        self._output_shapes.clear()
        self._steps.reset()
        if self._build_shape is not None:
            if self.built and self._out_spec is not None:
                self._trace([layer], self._out_spec)  # only the new layer: linear, as Keras
            else:
                self._trace_layers()

    def pop(self):
        if not self._layers:
            raise IndexError("There are no layers in the model.")
        layer = self._layers.pop()
        self._output_shapes.clear()
        self._steps.reset()
        self._out_spec = None
        return layer

    def _trace_layers(self):
        """Builds every layer by running the stack once on a throwaway graph."""
        self._trace(self._layers, (self._build_shape, self._input_dtype()))
        self.built = True

    def _trace(self, layers, in_spec):
        """Runs `layers` on a throwaway graph from an input of `in_spec` ((None, ...) shape,
        dtype), building them; keeps the last output's spec for the next add()."""
        if not layers:
            raise ValueError("Sequential model has no layers; add some with `add()`")
        graph = Graph("spec")
        with graph, name_scope(self):
            x = graph.placeholder((_SPEC_BATCH,) + tuple(in_spec[0][1:]), in_spec[1])
            for layer in layers:
                x = layer(x, training=False)
        self._out_spec = ((None,) + tuple(x.shape[1:]), x.dtype)

    def _input_dtype(self):
        return self._input_layer.dtype if self._input_layer is not None else "float32"

    def _build_for(self, data_shape):
        if self._build_shape is not None:
            if not self.built:
                self._trace_layers()
            return
        self._build_shape = (None,) + tuple(data_shape[1:])
        self._trace_layers()

    def call(self, inputs, training=None):
        if not self._layers:
            raise ValueError("Sequential model has no layers; add some with `add()`")
        x = inputs
        for layer in self._layers:
            x = layer(x, training=training)
        return x

    @property
    def inputs(self):
        return [self._input_layer.output_tensor] if self._input_layer is not None else None

    def get_config(self):
        """Keras's layout: each layer serialized (its build_config too), the InputLayer
        first when the model has one, and the input shape it was built for."""
        from ..saving.serialization_lib import serialize_keras_object
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self.dtype)}
        input_layer = self._config_input_layer()
        layers = ([input_layer] if input_layer is not None else []) + self._layers
        config["layers"] = [serialize_keras_object(layer) for layer in layers]
        if input_layer is not None:
            config["build_input_shape"] = tuple(input_layer.batch_shape)
        return config

    def _config_input_layer(self):
        """The InputLayer the config lists first: the model's own, or for a model built
        from a shape alone the one Keras's build() would have made (made once)."""
        if self._input_layer is not None or self._build_shape is None or not self.built:
            return self._input_layer
        made = self.__dict__.get("_built_input_layer")
        if made is None or made.batch_shape != tuple(self._build_shape):
            made = InputLayer(batch_shape=tuple(self._build_shape))
            object.__setattr__(self, "_built_input_layer", made)
        return made

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize
        if "name" not in config:
            raise ValueError("A Sequential model configuration must be a dictionary "
                             f"containing the 'name' and 'layers' keys. Received: config={config}")
        model = cls(name=config["name"], trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize(layer_config, custom_objects))
        shape = config.get("build_input_shape")
        if shape and model._input_layer is None and model._layers:
            model.build(shape)
        return model
