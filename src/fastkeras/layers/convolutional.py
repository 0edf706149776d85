"""Convolution layers: Conv1D/2D/3D, DepthwiseConv1D/2D, SeparableConv1D/2D and
Conv1D/2D/3DTranspose (Keras's arguments, weight shapes, names and order, configs). Their
math is the composite ops of ops/conv.py (im2col + one GEMM); what they share is in
layers/conv_base.py."""

from __future__ import annotations

from .. import ops
from ..ops.windows import conv_transpose_output_length, normalize_tuple
from .conv_base import ConvBase, check_positive, refuse_lora


class Conv(ConvBase):
    """Keras's BaseConv: kernel (*kernel_size, channels / groups, filters), bias (filters,)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        refuse_lora(lora_rank, lora_alpha)
        self._geometry(kernel_size, strides, padding, data_format, dilation_rate)
        self._weight_options(activation, use_bias, kernel_initializer=kernel_initializer,
                             bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer,
                             bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint,
                             bias_constraint=bias_constraint)
        check_positive("filters", filters)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. "
                             f"Received: groups={groups}.")
        if filters % groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={groups}, filters={filters}.")
        self.filters, self.groups = filters, groups
        self._refuse_strided_dilation()

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {channels} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self.kernel = self._role_weight(
            "kernel", self.kernel_size + (channels // self.groups, self.filters))
        self._build_bias(channels, self.filters)

    def _convolve(self, inputs):
        return ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, **self._geometry_config(), groups=self.groups,
                      **self._options_config())
        return config


class Conv1D(Conv):
    rank = 1
    _allow_causal = True


class Conv2D(Conv):
    rank = 2


class Conv3D(Conv):
    rank = 3


class ConvTranspose(ConvBase):
    """Keras's BaseConvTranspose: kernel (*kernel_size, filters, channels), bias (filters,)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._geometry(kernel_size, strides, padding, data_format, dilation_rate)
        self._weight_options(activation, use_bias, kernel_initializer=kernel_initializer,
                             bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer,
                             bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint,
                             bias_constraint=bias_constraint)
        check_positive("filters", filters)
        self.filters = filters
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, self.rank, "output_padding", allow_zero=True)
        for i, (extra, s) in enumerate(zip(self.output_padding or (), self.strides)):
            if extra >= s:
                raise ValueError(f"`output_padding` must be strictly less than `strides` for "
                                 f"all dimensions. At dimension {i}, `output_padding` is "
                                 f"{extra} but `strides` is {s}. Received: output_padding="
                                 f"{self.output_padding}, strides={self.strides}")
        self._refuse_strided_dilation()

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self._role_weight("kernel", self.kernel_size + (self.filters, channels))
        self._build_bias(channels, self.filters)

    def _output_spatial(self, spatial):
        extra = self.output_padding or (None,) * self.rank
        return tuple(conv_transpose_output_length(L, k, s, self.padding, e, d) for
                     L, k, s, e, d in zip(spatial, self.kernel_size, self.strides, extra,
                                          self.dilation_rate))

    def _convolve(self, inputs):
        return ops.conv_transpose(inputs, self.kernel, strides=self.strides,
                                  padding=self.padding, output_padding=self.output_padding,
                                  data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        geometry = self._geometry_config()
        config.update(filters=self.filters, kernel_size=geometry.pop("kernel_size"),
                      strides=geometry.pop("strides"), padding=geometry.pop("padding"),
                      output_padding=self.output_padding, **geometry, **self._options_config())
        return config


class Conv1DTranspose(ConvTranspose):
    rank = 1


class Conv2DTranspose(ConvTranspose):
    rank = 2


class Conv3DTranspose(ConvTranspose):
    rank = 3


class DepthwiseConv(ConvBase):
    """Keras's BaseDepthwiseConv: kernel (*kernel_size, channels, depth_multiplier), bias
    (channels * depth_multiplier,)."""

    _roles = ("depthwise", "bias")

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._geometry(kernel_size, strides, padding, data_format, dilation_rate)
        self._weight_options(activation, use_bias, depthwise_initializer=depthwise_initializer,
                             bias_initializer=bias_initializer,
                             depthwise_regularizer=depthwise_regularizer,
                             bias_regularizer=bias_regularizer,
                             depthwise_constraint=depthwise_constraint,
                             bias_constraint=bias_constraint)
        check_positive("depth_multiplier", depth_multiplier)
        self.depth_multiplier = depth_multiplier

    def _output_channels(self, input_shape):
        return input_shape[self._channel_axis()] * self.depth_multiplier

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self._role_weight(
            "depthwise", self.kernel_size + (channels, self.depth_multiplier), name="kernel")
        self._build_bias(channels, channels * self.depth_multiplier)

    def _convolve(self, inputs):
        return ops.depthwise_conv(inputs, self.kernel, strides=self.strides,
                                  padding=self.padding, data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update(depth_multiplier=self.depth_multiplier, **self._geometry_config(),
                      **self._options_config())
        return config


class DepthwiseConv1D(DepthwiseConv):
    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    rank = 2


class SeparableConv(ConvBase):
    """Keras's BaseSeparableConv: depthwise_kernel (*kernel_size, channels, multiplier),
    pointwise_kernel (1, ..., channels * multiplier, filters), bias (filters,)."""

    _roles = ("depthwise", "pointwise", "bias")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._geometry(kernel_size, strides, padding, data_format, dilation_rate)
        self._weight_options(
            activation, use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint)
        check_positive("depth_multiplier", depth_multiplier)
        check_positive("filters", filters)
        self.depth_multiplier, self.filters = depth_multiplier, filters

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self._role_weight(
            "depthwise", self.kernel_size + (channels, self.depth_multiplier),
            name="depthwise_kernel")
        self.pointwise_kernel = self._role_weight(
            "pointwise", (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            name="pointwise_kernel")
        self._build_bias(channels, self.filters)

    def _convolve(self, inputs):
        return ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                  strides=self.strides, padding=self.padding,
                                  data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update(depth_multiplier=self.depth_multiplier, filters=self.filters,
                      **self._geometry_config(), **self._options_config())
        return config


class SeparableConv1D(SeparableConv):
    rank = 1


class SeparableConv2D(SeparableConv):
    rank = 2


# Keras's aliases.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = \
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
