"""Convolutions and poolings (keras.ops.conv, depthwise_conv, separable_conv, conv_transpose,
average_pool), channels_last throughout: the im2col primitive (graph/primitives/windows.py)
gives the patch matrix (N, *out, K*C) of K kernel offsets and C channels, offsets major, so
that a convolution is one plain 2-D matmul (the packed GEMM) with the kernel (*k, C, F)
reshaped to (K*C, F); its gradient is col2im. The batch stays on axis 0 (no channels-first
copy), so a convolution is row n of the data in, row n out (graph/rowlocal.py). Depthwise
convolutions and average pooling are elementwise over the patches instead; max pooling is
its own primitive pair."""

from __future__ import annotations

import math

import numpy as np

from ..graph import bind
from . import numpy as np_ops
from .core import convert, dtype_of, promote, shape_of
from .windows import (conv_transpose_padding, effective_kernel, normalize_padding,
                      normalize_tuple, pad_or_crop, window_counts, window_geometry)


# keras.config.image_data_format(): the layout a layer or op without `data_format` takes
# (fastkeras.config sets it; kept here so that ops need not import the config).
IMAGE_DATA_FORMAT = ["channels_last"]


def standardize_data_format(data_format):
    """'channels_last' or 'channels_first' (None: keras.config.image_data_format());
    Keras's ValueError otherwise."""
    if data_format is None:
        return IMAGE_DATA_FORMAT[0]
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return value


def _to_channels_last(x, data_format):
    nd = len(shape_of(x))
    if nd < 3:
        raise ValueError(f"Expected inputs of rank >= 3 (batch, *spatial, channels), got shape "
                         f"{shape_of(x)}")
    if data_format == "channels_first":
        return bind("transpose", x, perm=(0,) + tuple(range(2, nd)) + (1,))
    return x


def _from_channels_last(y, data_format):
    nd = len(shape_of(y))
    if data_format == "channels_first":
        return bind("transpose", y, perm=(0, nd - 1) + tuple(range(1, nd - 1)))
    return y


def _check_kernel_rank(x, kernel, name="kernel"):
    if len(shape_of(kernel)) != len(shape_of(x)):
        raise ValueError(f"Kernel shape must have the same length as input, but received "
                         f"{name} of shape {shape_of(kernel)} and input of shape {shape_of(x)}.")


def _geometry(x, kernel, strides, padding, dilation_rate):
    n = len(shape_of(x)) - 2
    return (tuple(shape_of(kernel)[:n]), normalize_tuple(strides, n, "strides"),
            normalize_padding(padding, allow_causal=(n == 1)),
            normalize_tuple(dilation_rate, n, "dilation_rate"))


def _patches(x, kernel_size, strides, dilation_rate, paddings):
    """im2col of channels_last x (N, *spatial, C): (N, *out, K*C), offsets major (Keras's
    kernel (*k, C, F) reshaped to (K*C, F) matches). A negative padding (conv_transpose)
    crops x first; the rest is im2col's zero padding. A 1x1, stride-1, unpadded window is
    x itself."""
    for a, (before, after) in enumerate(paddings):
        x = pad_or_crop(x, a + 1, min(before, 0), min(after, 0))
    paddings = tuple((max(before, 0), max(after, 0)) for before, after in paddings)
    if all(k == 1 for k in kernel_size) and all(s == 1 for s in strides) and \
            not any(before or after for before, after in paddings):
        return x
    return bind("im2col", x, kernel_size=tuple(kernel_size), strides=tuple(strides),
                dilation=tuple(dilation_rate), padding=paddings)


def _conv_gemm(patches, flat_kernel):
    """patches (N, *out, K*C) @ flat_kernel (K*C, F) as one 2-D GEMM -> (N, *out, F)."""
    lead = shape_of(patches)[:-1]
    rows = bind("reshape", patches, shape=(math.prod(lead), shape_of(patches)[-1]))
    y = bind("matmul", rows, flat_kernel)
    return bind("reshape", y, shape=lead + (shape_of(flat_kernel)[-1],))


def _flat_kernel(kernel):
    """(*k, C, F) -> (K*C, F)."""
    ks = shape_of(kernel)
    return bind("reshape", kernel, shape=(math.prod(ks[:-1]), ks[-1]))


def _grouped_dense_kernel(kernel, groups):
    """A grouped kernel (*k, C/groups, F) as the block-diagonal (*k, C, F) it stands for:
    group g's filters see only channels g*C/groups onwards (zeros elsewhere)."""
    if groups == 1:
        return kernel
    shape = shape_of(kernel)
    per_group_in, per_group_out = shape[-2], shape[-1] // groups
    blocks = []
    for g in range(groups):
        part = bind("slice", kernel, axis=-1, start=g * per_group_out,
                    stop=(g + 1) * per_group_out)
        blocks.append(bind("pad", part, axis=len(shape) - 2, before=g * per_group_in,
                           after=(groups - 1 - g) * per_group_in))
    return bind("concatenate", *blocks, axis=-1)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution; kernel (*kernel_size, C / groups, filters), the group count read from
    the channels (Keras's op)."""
    data_format = standardize_data_format(data_format)
    x, kernel = promote(inputs, kernel, float_only=True)
    x = _to_channels_last(x, data_format)
    _check_kernel_rank(x, kernel)
    channels, (k_in, filters) = shape_of(x)[-1], shape_of(kernel)[-2:]
    if channels % k_in:
        raise ValueError(f"The number of input channels must be evenly divisible by kernel's "
                         f"in_channels. Received input channels {channels} and kernel "
                         f"in_channels {k_in}. ")
    groups = channels // k_in
    if filters % groups:
        raise ValueError(f"The number of filters ({filters}) must be evenly divisible by the "
                         f"number of groups ({groups}).")
    kernel_size, strides, padding, dilation_rate = _geometry(x, kernel, strides, padding,
                                                             dilation_rate)
    paddings, _ = window_geometry(shape_of(x)[1:-1], kernel_size, strides, padding,
                                  dilation_rate)
    patches = _patches(x, kernel_size, strides, dilation_rate, paddings)
    y = _conv_gemm(patches, _flat_kernel(_grouped_dense_kernel(kernel, groups)))
    return _from_channels_last(y, data_format)


def _check_depthwise_channels(x, kernel):
    if shape_of(x)[-1] != shape_of(kernel)[-2]:
        raise ValueError(f"The number of input channels ({shape_of(x)[-1]}) must match the "
                         f"kernel's channels (axis -2 of kernel shape {shape_of(kernel)}).")


def _depthwise_channels_last(x, kernel, strides, padding, dilation_rate):
    """out[..., c * m + j] = sum over offsets k of window_k[..., c] * kernel[k, c, j]."""
    _check_kernel_rank(x, kernel)
    _check_depthwise_channels(x, kernel)
    kernel_size, strides, padding, dilation_rate = _geometry(x, kernel, strides, padding,
                                                             dilation_rate)
    paddings, _ = window_geometry(shape_of(x)[1:-1], kernel_size, strides, padding,
                                  dilation_rate)
    patches = _patches(x, kernel_size, strides, dilation_rate, paddings)  # (N, *out, K*C)
    n_offsets = math.prod(kernel_size)
    channels, multiplier = shape_of(kernel)[-2:]
    lead = shape_of(patches)[:-1]
    stacked = bind("reshape", patches, shape=lead + (n_offsets, channels, 1))
    weights = bind("reshape", kernel, shape=(n_offsets, channels, multiplier))
    summed = bind("sum", np_ops.multiply(stacked, weights), axes=len(lead), keepdims=False)
    return bind("reshape", summed, shape=lead + (channels * multiplier,))


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each channel convolved with its own `multiplier` filters; kernel
    (*kernel_size, C, multiplier) -> C * multiplier channels (Keras's op)."""
    data_format = standardize_data_format(data_format)
    x, kernel = promote(inputs, kernel, float_only=True)
    x = _to_channels_last(x, data_format)
    y = _depthwise_channels_last(x, kernel, strides, padding, dilation_rate)
    return _from_channels_last(y, data_format)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """depthwise_conv, then a 1x1 conv with pointwise_kernel (*1s, C * multiplier, filters)."""
    data_format = standardize_data_format(data_format)
    x, depthwise_kernel, pointwise_kernel = promote(inputs, depthwise_kernel, pointwise_kernel,
                                                    float_only=True)
    x = _to_channels_last(x, data_format)
    _check_kernel_rank(x, pointwise_kernel, "pointwise_kernel")
    y = _depthwise_channels_last(x, depthwise_kernel, strides, padding, dilation_rate)
    if shape_of(pointwise_kernel)[-2] != shape_of(y)[-1] or \
            any(k != 1 for k in shape_of(pointwise_kernel)[:-2]):
        raise ValueError(f"pointwise_kernel must have shape (1, ..., 1, {shape_of(y)[-1]}, "
                         f"filters); received {shape_of(pointwise_kernel)}")
    pointwise = bind("reshape", pointwise_kernel, shape=shape_of(pointwise_kernel)[-2:])
    return _from_channels_last(np_ops.matmul(y, pointwise), data_format)


def _dilate(x, axis, stride):
    """Puts stride - 1 zeros between neighbours along `axis`: length (L - 1) * s + 1."""
    if stride == 1:
        return x
    shape = shape_of(x)
    spread = bind("pad", bind("reshape", x, shape=shape[:axis + 1] + (1,) + shape[axis + 1:]),
                  axis=axis + 1, before=0, after=stride - 1)
    merged = bind("reshape", spread, shape=shape[:axis] + (shape[axis] * stride,) +
                  shape[axis + 1:])
    return pad_or_crop(merged, axis, 0, 1 - stride)


def _flipped_kernel(kernel):
    """A transposed convolution's kernel (*k, F, C) as a convolution's (K*C, F): flipped on
    every spatial axis (= its row-major offsets reversed: one gather) and F, C swapped."""
    ks = shape_of(kernel)
    offsets = math.prod(ks[:-2])
    stacked = bind("reshape", kernel, shape=(offsets,) + tuple(ks[-2:]))
    reversed_offsets = convert(np.arange(offsets - 1, -1, -1, dtype=np.int32), "int32")
    swapped = bind("transpose", bind("take", stacked, reversed_offsets), perm=(0, 2, 1))
    return bind("reshape", swapped, shape=(offsets * ks[-1], ks[-2]))


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The transpose (gradient) of conv: kernel (*kernel_size, filters, C). Computed as a
    stride-1 conv with the flipped kernel over the stride-dilated, padded input (JAX's
    padding, as Keras's jax backend)."""
    data_format = standardize_data_format(data_format)
    x, kernel = promote(inputs, kernel, float_only=True)
    x = _to_channels_last(x, data_format)
    _check_kernel_rank(x, kernel)
    n = len(shape_of(x)) - 2
    kernel_size = tuple(shape_of(kernel)[:n])
    strides = normalize_tuple(strides, n, "strides")
    padding = normalize_padding(padding)
    dilation_rate = normalize_tuple(dilation_rate, n, "dilation_rate")
    output_padding = (None,) * n if output_padding is None else \
        normalize_tuple(output_padding, n, "output_padding", allow_zero=True)
    if shape_of(kernel)[-1] != shape_of(x)[-1]:
        raise ValueError(f"The number of input channels ({shape_of(x)[-1]}) must match the "
                         f"kernel's in_channels (the last axis of kernel shape "
                         f"{shape_of(kernel)}).")
    paddings = []
    for a in range(n):
        x = _dilate(x, a + 1, strides[a])
        before, after = conv_transpose_padding(kernel_size[a], strides[a], padding,
                                               output_padding[a], dilation_rate[a])
        out_len = shape_of(x)[a + 1] + before + after - effective_kernel(kernel_size[a],
                                                                         dilation_rate[a]) + 1
        if out_len < 1:
            raise ValueError(f"The transposed convolution's output would be empty along "
                             f"spatial axis {a}: input {shape_of(inputs)}, kernel {kernel_size}")
        paddings.append((before, after))
    patches = _patches(x, kernel_size, (1,) * n, dilation_rate, paddings)
    return _from_channels_last(_conv_gemm(patches, _flipped_kernel(kernel)), data_format)


def _pool_geometry(inputs, pool_size, strides, padding, data_format):
    """(channels_last x, (pool_size, strides, padding, data_format, paddings)), checking the
    window fits the padded input."""
    data_format = standardize_data_format(data_format)
    (x,) = promote(inputs, float_only=True)
    x = _to_channels_last(x, data_format)
    n = len(shape_of(x)) - 2
    pool_size = normalize_tuple(pool_size, n, "pool_size")
    strides = pool_size if strides is None else normalize_tuple(strides, n, "strides")
    padding = normalize_padding(padding)
    paddings, _ = window_geometry(shape_of(x)[1:-1], pool_size, strides, padding, (1,) * n)
    return x, (pool_size, strides, padding, data_format, tuple(paddings))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The max over each window (padded positions never win): the max_pool primitive, which
    keeps each maximum's position for its gradient (graph/primitives/pooling.py)."""
    x, (pool_size, strides, _, data_format, paddings) = _pool_geometry(
        inputs, pool_size, strides, padding, data_format)
    relu_input = _traced_relu_input(x)
    if relu_input is not None:  # max(relu(window)) == relu(max(window)): relu the pooled
        y, _ = bind("max_pool", relu_input, pool_size=pool_size, strides=strides,
                    padding=paddings)
        return _from_channels_last(bind("relu", y), data_format)
    y, _ = bind("max_pool", x, pool_size=pool_size, strides=strides, padding=paddings)
    return _from_channels_last(y, data_format)


def _traced_relu_input(x):
    """The input of the relu that made traced `x`, else None. Pooling before the relu gives
    the same values (relu is monotone; NaN passes both ways) and the same gradient (where
    the window's max is positive its first position is the same before and after the relu;
    elsewhere relu's gradient is 0), while the relu and its gradient run on the pooled
    tensor, not on the whole one (W4: a quarter of the bytes), and the full-size relu dies
    when nothing else reads it. Only the sign of a zero can differ (a window of -1 and -0.0
    gives 0.0 pooled after the relu, -0.0 before)."""
    node = getattr(x, "node", None)
    prim = getattr(node, "prim", None)
    if prim is None or prim.name != "relu" or getattr(x, "graph", None) is None:
        return None
    return node.inputs[0]


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean over each window; with 'same' padding over its non-padded positions only."""
    x, (pool_size, strides, padding, data_format, paddings) = _pool_geometry(
        inputs, pool_size, strides, padding, data_format)
    patches = _patches(x, pool_size, strides, (1,) * len(pool_size), paddings)
    lead = shape_of(patches)[:-1]
    windows = bind("reshape", patches, shape=lead + (math.prod(pool_size), shape_of(x)[-1]))
    total = bind("sum", windows, axes=len(lead), keepdims=False)
    if padding == "valid":
        y = np_ops.divide(total, float(math.prod(pool_size)))
    else:
        counts = window_counts(shape_of(x)[1:-1], pool_size, strides, padding)
        y = np_ops.divide(total, counts[None, ..., None].astype(dtype_of(x)))
    return _from_channels_last(y, data_format)
