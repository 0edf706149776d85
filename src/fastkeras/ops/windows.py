"""Sliding windows of a channels_last tensor as shifted, strided slices: the im2col building
block of the convolutions and poolings (ops/conv.py), made only of the `pad`, `slice` and
`reshape` primitives so that every backend runs it and autodiff differentiates it.

A window offset `i` (dilation d) along an axis of stride s reads positions i*d + j*s,
j = 0 .. out-1. A stride is taken without a strided-slice primitive: pad the axis to a
multiple of s, reshape (..., L/s, s, ...), keep residue r = (i*d) % s of the new axis, then
slice rows q = (i*d) // s .. q + out. Offsets that share a residue share that one view."""

from __future__ import annotations

import numpy as np

from ..graph import bind
from .core import convert, shape_of

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


def _strided_view(x, axis, residue, stride):
    """x[..., residue::stride, ...] along `axis`, whose length must be a multiple of stride."""
    shape = shape_of(x)
    split = shape[:axis] + (shape[axis] // stride, stride) + shape[axis + 1:]
    picked = bind("slice", bind("reshape", x, shape=split), axis=axis + 1, start=residue,
                  stop=residue + 1)
    return bind("reshape", picked, shape=split[:axis + 1] + split[axis + 2:])


def _axis_taps(x, axis, kernel, stride, dilation, out):
    """One tensor per kernel offset along `axis`: x's positions i*d + j*s, j < out."""
    if stride == 1:
        return [bind("slice", x, axis=axis, start=i * dilation, stop=i * dilation + out)
                for i in range(kernel)]
    starts = [divmod(i * dilation, stride) for i in range(kernel)]
    rows = max(q for q, _ in starts) + out
    x = pad_or_crop(x, axis, 0, rows * stride - shape_of(x)[axis])
    views = {}
    taps = []
    for q, r in starts:
        if r not in views:
            views[r] = _strided_view(x, axis, r, stride)
        view = views[r]
        taps.append(view if (q, out) == (0, rows) else
                    bind("slice", view, axis=axis, start=q, stop=q + out))
    return taps


def windows_of_padded(x, kernel_size, strides, dilation_rate, out_shape, first_axis=1):
    """The windows of an already padded x whose spatial axes start at `first_axis` (1 for
    channels_last), offsets in row-major kernel order (Keras's kernel layout): a list of
    prod(kernel_size) tensors, each x's shape with out_shape for the spatial axes."""
    taps = [x]
    for a, (k, s, d, out) in enumerate(zip(kernel_size, strides, dilation_rate, out_shape)):
        taps = [t for parent in taps for t in _axis_taps(parent, first_axis + a, k, s, d, out)]
    return taps


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


def window_slices(x, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Every window offset of channels_last x (N, *spatial, C), in Keras's kernel order:
    a list of prod(kernel_size) tensors (N, *out_spatial, C). `padding` is 'valid', 'same'
    (TensorFlow's split: the odd element after) or 'causal' (all before; 1-D); padded
    positions hold zeros."""
    x = convert(x)
    shape = shape_of(x)
    n = len(shape) - 2
    if n < 1:
        raise ValueError(f"window_slices expects (batch, *spatial, channels), got shape {shape}")
    kernel_size = normalize_tuple(kernel_size, n, "kernel_size")
    strides = normalize_tuple(strides, n, "strides")
    dilation_rate = normalize_tuple(dilation_rate, n, "dilation_rate")
    padding = normalize_padding(padding, allow_causal=True)
    if padding == "causal" and n != 1:
        raise ValueError("padding='causal' is only supported for 1-D inputs")
    paddings, out_shape = window_geometry(shape[1:-1], kernel_size, strides, padding,
                                          dilation_rate)
    for a, (before, after) in enumerate(paddings):
        x = pad_or_crop(x, a + 1, before, after)
    return windows_of_padded(x, kernel_size, strides, dilation_rate, out_shape)


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


__all__ = ["window_slices", "windows_of_padded", "conv_output_length", "conv_padding",
           "conv_transpose_output_length", "conv_transpose_padding", "window_counts",
           "normalize_tuple", "normalize_padding", "pad_or_crop", "effective_kernel"]
