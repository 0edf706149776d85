"""Core layers besides Dense: Embedding, Identity, Lambda."""

from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from ..ops.core import dtype_of
from .layer import Layer


class Embedding(Layer):
    """Row lookup: int ids (batch, ...) -> (batch, ..., output_dim). The gradient is a
    scatter-add into the rows the batch used (the take primitive's VJP); ids outside
    [0, input_dim) raise IndexError naming the id (checked by the gather kernel)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{arg}` must be a positive integer. Received: "
                                 f"{arg}={value} (of type {type(value).__name__}).")
        kwargs.pop("input_length", None)  # deprecated in Keras 3, ignored there too
        super().__init__(**kwargs)
        for arg, value in (("lora_rank", lora_rank), ("quantization_config", quantization_config)):
            if value is not None:
                raise NotImplementedError(f"{type(self).__name__}({arg}=...) is not supported yet "
                                          "by fastkeras")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero  # Keras: only a mask_zero Embedding makes a mask
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim),
                                          self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def index_limit(self, call=None):
        """Ids must lie in [0, input_dim): fit/evaluate/predict check their data once (None:
        that functional `call` of the layer reads no ids)."""
        return self.input_dim

    def call(self, inputs):
        if dtype_of(inputs) not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        """With `mask_zero`, id 0 is padding: the mask is True where the id is not 0."""
        return ops.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                      embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                      activity_regularizer=regularizers.serialize(self.activity_regularizer),
                      embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                      mask_zero=self.mask_zero, quantization_config=None)
        return config


class Identity(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs


class Lambda(Layer):
    """Wraps a function of keras.ops as a layer. It is traced into the steps like any layer;
    only named functions can be saved, and loading one needs it registered (a lambda's
    bytecode is loaded only with safe_mode=False, as Keras)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda expects a callable `function`, got {function!r}")
        self.function = function
        self.output_shape_arg = output_shape
        self.mask = mask
        self.supports_masking = mask is not None  # Keras: the mask given, else none
        self.arguments = dict(arguments or {})
        self.built = True

    def call(self, inputs, mask=None, training=None):
        import inspect
        kwargs = dict(self.arguments)
        params = inspect.signature(self.function).parameters
        if "mask" in params:
            kwargs["mask"] = mask
        if "training" in params:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        config = super().get_config()
        config.update(function=serialize_keras_object(self.function),
                      arguments=self.arguments)
        if self.output_shape_arg is not None:
            config["output_shape"] = self.output_shape_arg
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from ..saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        # A lambda's bytecode loads only outside safe mode (serialization_lib decides).
        config["function"] = deserialize_keras_object(
            config.pop("function"), custom_objects,
            safe_mode=True if safe_mode is None else safe_mode)
        return cls(**config)
