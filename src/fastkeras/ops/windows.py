"""The geometry of sliding windows (Keras's argument checks, output lengths and 'valid',
'same' and 'causal' paddings) for the convolutions and poolings of ops/conv.py and their
layers; the windows themselves are the im2col primitive (graph/primitives/windows.py)."""

from __future__ import annotations

import numpy as np

from ..graph import bind
from .core import shape_of

PADDINGS = ("valid", "same", "causal")


def normalize_tuple(value, n, name, allow_zero=False):
    """An int or n ints as an n-tuple of ints, each > 0 (>= 0 with allow_zero); Keras's
    ValueError otherwise."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    lowest = 0 if allow_zero else 1
    if len(values) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                               or v < lowest for v in values):
        req = "non-negative" if allow_zero else "positive"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} {req} integers. "
                         f"Received {name}={value}")
    return tuple(int(v) for v in values)


def normalize_padding(padding, allow_causal=False):
    mode = padding.lower() if isinstance(padding, str) else padding
    allowed = PADDINGS if allow_causal else PADDINGS[:2]
    if mode not in allowed:
        raise ValueError(f"The `padding` argument must be one of {list(allowed)}. "
                         f"Received: padding={padding}")
    return mode


def effective_kernel(kernel, dilation=1):
    """The span a dilated kernel covers: d * (k - 1) + 1."""
    return dilation * (kernel - 1) + 1


def conv_output_length(length, kernel, stride=1, padding="valid", dilation=1):
    """The output length along one axis (Keras's formula); None stays None."""
    if length is None:
        return None
    if padding == "valid":
        return (length - effective_kernel(kernel, dilation)) // stride + 1
    return (length + stride - 1) // stride  # same, causal: ceil(L / s)


def conv_padding(length, kernel, stride=1, padding="valid", dilation=1):
    """(before, after) zeros along one axis: none for valid; TensorFlow's 'same' (the odd
    one after); all before for causal."""
    span = effective_kernel(kernel, dilation)
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    out = conv_output_length(length, kernel, stride, padding, dilation)
    total = max((out - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def conv_transpose_padding(kernel, stride=1, padding="valid", output_padding=None, dilation=1):
    """(before, after) around the stride-dilated input of a transposed convolution (JAX's
    split, as Keras's jax backend uses); a negative amount crops."""
    span = effective_kernel(kernel, dilation)
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, span - 1)
    return before, total - before


def conv_transpose_output_length(length, kernel, stride=1, padding="valid",
                                 output_padding=None, dilation=1):
    if length is None:
        return None
    before, after = conv_transpose_padding(kernel, stride, padding, output_padding, dilation)
    return (length - 1) * stride + 1 + before + after - effective_kernel(kernel, dilation) + 1


def pad_or_crop(x, axis, before, after):
    """Zeros added at either end of `axis` (negative amounts remove elements)."""
    if before < 0 or after < 0:
        size = shape_of(x)[axis]
        x = bind("slice", x, axis=axis, start=max(-before, 0), stop=size - max(-after, 0))
        before, after = max(before, 0), max(after, 0)
    if before or after:
        x = bind("pad", x, axis=axis, before=before, after=after)
    return x


def check_window_fits(spatial, kernel_size, dilation_rate, paddings):
    for length, k, d, (before, after) in zip(spatial, kernel_size, dilation_rate, paddings):
        span = effective_kernel(k, d)
        if span > length + before + after:
            raise ValueError(
                f"The kernel (size {k}, dilation {d}, spanning {span}) is larger than the "
                f"padded input (spatial size {length} + padding {before + after}): the output "
                f"would be empty. Input spatial shape: {tuple(spatial)}, kernel size: "
                f"{tuple(kernel_size)}")


def window_geometry(spatial, kernel_size, strides, padding, dilation_rate):
    """(paddings, out_shape) of a windowing, checking the kernel fits."""
    paddings = [conv_padding(L, k, s, padding, d)
                for L, k, s, d in zip(spatial, kernel_size, strides, dilation_rate)]
    check_window_fits(spatial, kernel_size, dilation_rate, paddings)
    out_shape = tuple(conv_output_length(L, k, s, padding, d)
                      for L, k, s, d in zip(spatial, kernel_size, strides, dilation_rate))
    return paddings, out_shape


def window_counts(spatial, kernel_size, strides, padding, dilation_rate=None):
    """How many non-padded positions each output window covers: (*out_spatial,) float
    (average pooling's divisor with 'same' padding)."""
    n = len(spatial)
    dilation_rate = dilation_rate or (1,) * n
    paddings, out_shape = window_geometry(spatial, kernel_size, strides, padding, dilation_rate)
    per_axis = []
    for L, k, s, d, (before, _), out in zip(spatial, kernel_size, strides, dilation_rate,
                                            paddings, out_shape):
        pos = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d - before
        per_axis.append(((pos >= 0) & (pos < L)).sum(1))
    counts = np.ones(out_shape)
    for a, c in enumerate(per_axis):
        counts = counts * c.reshape((1,) * a + (-1,) + (1,) * (n - a - 1))
    return counts


__all__ = ["window_geometry", "conv_output_length", "conv_padding",
           "conv_transpose_output_length", "conv_transpose_padding", "window_counts",
           "normalize_tuple", "normalize_padding", "pad_or_crop", "effective_kernel"]
