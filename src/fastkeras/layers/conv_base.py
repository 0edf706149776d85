"""What every convolution layer shares (layers/convolutional.py): the geometry arguments
(kernel_size, strides, padding, data_format, dilation_rate) checked as Keras checks them,
the initializer/regularizer/constraint triple of each weight, the input checks (rank,
channels of a built layer), the bias + activation tail, and the config."""

from __future__ import annotations

from .. import activations, constraints, initializers, regularizers, ops
from ..ops.conv import standardize_data_format
from ..ops.windows import conv_output_length, normalize_padding, normalize_tuple
from .layer import Layer, shown_shape


def check_input_rank(layer, shape, rank):
    """(batch, *spatial, channels) with `rank` spatial axes, Keras's InputSpec message."""
    if len(shape) != rank + 2:
        which = "min_ndim" if len(shape) < rank + 2 else "ndim"
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected {which}={rank + 2}, found ndim={len(shape)}. Full shape "
                         f"received: {tuple(shape)}")


def check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive "
                         f"value. Received {name}={value}.")


class ConvBase(Layer):
    """A convolution layer of `rank` spatial axes. Subclasses set `rank`, `_roles` (the
    weights named by the *_initializer/_regularizer/_constraint arguments, bias last),
    and define build() and `_convolve(inputs)`."""

    rank = None
    _roles = ("kernel", "bias")
    _allow_causal = False

    def _geometry(self, kernel_size, strides, padding, data_format, dilation_rate):
        n = self.rank
        self.kernel_size = normalize_tuple(kernel_size, n, "kernel_size")
        self.strides = normalize_tuple(strides, n, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, n, "dilation_rate")
        self.padding = normalize_padding(padding, allow_causal=self._allow_causal)
        self.data_format = standardize_data_format(data_format)

    def _refuse_strided_dilation(self):
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")

    def _weight_options(self, activation, use_bias, **options):
        """activation, use_bias, and `<role>_initializer` etc. for each role."""
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        for role in self._roles:
            setattr(self, f"{role}_initializer",
                    initializers.get(options[f"{role}_initializer"]))
            setattr(self, f"{role}_regularizer",
                    regularizers.get(options[f"{role}_regularizer"]))
            setattr(self, f"{role}_constraint", constraints.get(options[f"{role}_constraint"]))
        self.bias = None

    def _role_weight(self, role, shape, name=None):
        return self.add_weight(shape, getattr(self, f"{role}_initializer"), name=name or role,
                               regularizer=getattr(self, f"{role}_regularizer"),
                               constraint=getattr(self, f"{role}_constraint"))

    # ---- shapes ------------------------------------------------------------------------
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def _input_channels(self, input_shape):
        check_input_rank(self, input_shape, self.rank)
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"Layer '{self.name}': the channel dimension of the inputs must "
                             f"be known, got input shape {tuple(input_shape)}")
        self.compute_output_shape(input_shape)  # an empty output fails here, as in Keras
        return channels

    def _output_spatial(self, spatial):
        out = tuple(conv_output_length(L, k, s, self.padding, d) for L, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"Computed output size would be zero or negative. Received "
                             f"`inputs shape={tuple(spatial)}` (spatial), `kernel_size="
                             f"{self.kernel_size}`, `dilation_rate={self.dilation_rate}`, "
                             f"`strides={self.strides}`, `padding={self.padding}`.")
        return out

    def _output_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_input_rank(self, input_shape, self.rank)
        spatial = self._output_spatial(self._spatial(input_shape))
        channels = self._output_channels(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (channels,)
        return (input_shape[0], channels) + spatial

    # ---- calling -----------------------------------------------------------------------
    def call(self, inputs):
        shape = ops.shape(inputs)
        check_input_rank(self, shown_shape(inputs), self.rank)
        axis = self._channel_axis()
        if shape[axis] != self._built_channels:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                             f"expected axis {axis} of input shape to have value "
                             f"{self._built_channels}, but received input with shape "
                             f"{shown_shape(inputs)}")
        outputs = self._convolve(inputs)
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (1, -1) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        return self.activation(outputs) if self.activation is not None else outputs

    def _build_bias(self, input_channels, channels_out):
        self._built_channels = input_channels
        if self.use_bias:
            self.bias = self._role_weight("bias", (channels_out,))

    # ---- config ------------------------------------------------------------------------
    def _geometry_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}

    def _options_config(self):
        config = {"activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias}
        for role in self._roles:
            config[f"{role}_initializer"] = initializers.serialize(
                getattr(self, f"{role}_initializer"))
        for role in self._roles:
            config[f"{role}_regularizer"] = regularizers.serialize(
                getattr(self, f"{role}_regularizer"))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        for role in self._roles:
            config[f"{role}_constraint"] = constraints.serialize(
                getattr(self, f"{role}_constraint"))
        return config


def refuse_lora(lora_rank, lora_alpha=None):
    if lora_rank is not None:
        raise NotImplementedError("Convolution layers with lora_rank are not supported yet by "
                                  "fastkeras")
