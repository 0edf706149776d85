"""Neural-network ops of Keras 3's ops.nn beyond the activations and cross-entropies:
dot_product_attention, rms_normalization, depth_to_space / space_to_depth, psnr, the
adaptive poolings, unfold / fold and CTC (loss, greedy decoding).

All are composites of public ops and primitives, so they run eagerly, traced and
symbolically, and their gradients come from the primitives'. Numbers follow Keras's JAX
backend (jax.nn.dot_product_attention's "xla" path, optax's CTC forward algorithm)."""

from __future__ import annotations

import numpy as np

from ..graph.primitives.losses import EPSILON  # keras.config.epsilon() (fixed: config.py)
from .array_creation import arange
from .conv import standardize_data_format
from .core import convert, dtype_of, promote, result_dtype, shape_of
from .einsum import einsum
from .elementwise_math import where
from .image_axes import map_axis, slice_axis
from .indexing import get_item
from .logic import logical_and
from .loops import scan
from .math_extra import log10, logaddexp
from .nn import log_softmax, one_hot, softmax
from .numpy import (add, argmax, cast, concatenate, equal, expand_dims, greater_equal, less,
                    matmul, max as reduce_max, mean, multiply, not_equal, pad, reshape,
                    rsqrt, square, subtract, sum as reduce_sum, transpose)
from .reductions import cumsum

__all__ = ["dot_product_attention", "rms_normalization", "depth_to_space", "space_to_depth",
           "psnr", "adaptive_average_pool", "adaptive_max_pool", "unfold", "fold",
           "ctc_loss", "ctc_decode"]


# ---- attention ------------------------------------------------------------------------------
def large_negative(dtype):
    """The fill of masked attention logits in jax.nn.dot_product_attention: -0.7 * the
    dtype's max, so a fully masked row still gets a finite (uniform) softmax."""
    return np.asarray(-0.7 * np.finfo(dtype).max, dtype=dtype)[()]


def _logits_rank4(t, heads):
    """A bias or mask as 4-D (B, N, T, S)-broadcastable: leading axes added as jax does,
    except a 3-D (B, T, S) whose first axis cannot be the heads' (Keras's fallback then
    reads it as the batch's)."""
    shape = shape_of(t)
    if len(shape) == 3 and shape[0] not in (1, heads):
        return expand_dims(t, 1)
    for _ in range(4 - len(shape)):
        t = expand_dims(t, 0)
    if shape_of(t)[1] not in (1, heads):
        raise ValueError(f"Expected a bias or mask of shape (B, 1, T, S) or (B, N, T, S) with "
                         f"N={heads}; received shape {shape}")
    return t


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(q k^T * scale + bias, masked) v per head, query (B, T, N, H), key and value
    (B, S, K, H) with N a multiple of K (grouped-query attention: query head n reads
    key/value head n // (N / K)). Masked logits (mask False, or above the diagonal with
    `is_causal`) become large_negative(dtype), as jax.nn.dot_product_attention's "xla"
    path: a fully masked row averages all values. A non-bool mask keeps its non-zero
    entries. There is no flash kernel: flash_attention=True raises NotImplementedError
    (a RuntimeError, as Keras's "cuDNN is not detected" off GPU); the logits soft cap is
    TPU-only in Keras and raises its ValueError."""
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. Set "
                         "attn_logits_soft_cap=None when not using JAX on TPU.")
    if flash_attention:
        raise NotImplementedError("dot_product_attention: fastkeras has no flash attention "
                                  "kernel; pass flash_attention=None or False")
    shapes = [shape_of(t) for t in (query, key, value)]
    if any(len(s) != 4 for s in shapes):
        raise ValueError(f"`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={shapes[0]}, key.shape={shapes[1]}, "
                         f"value.shape={shapes[2]}.")
    (b, t, n, h), (_, s, k, _), v_shape = shapes
    if shapes[1][:3] != v_shape[:3] or shapes[1][3] != h:
        raise ValueError(f"dot_product_attention: key (B, S, K, H) must match value's first "
                         f"three axes and query's H. Received: query.shape={shapes[0]}, "
                         f"key.shape={shapes[1]}, value.shape={v_shape}.")
    if n % k:
        raise ValueError(f"The number of query heads must be a multiple of key/value heads, "
                         f"but got {n} vs {k}")
    dtype = result_dtype(query, key, value)
    if dtype not in ("float32", "float64"):
        dtype = "float32"
    q, kk, v = (convert(x, dtype) for x in (query, key, value))
    g = n // k
    # (B, K, G*T, H) @ (B, K, H, S): one batched product over (B, K) for all G query heads.
    q = reshape(transpose(reshape(q, (b, t, k, g, h)), (0, 2, 3, 1, 4)), (b, k, g * t, h))
    logits = reshape(matmul(q, transpose(kk, (0, 2, 3, 1))), (b, n, t, s))
    scale = 1.0 / np.sqrt(h) if scale is None else scale
    logits = multiply(logits, np.asarray(scale, dtype))
    if bias is not None:
        logits = add(logits, _logits_rank4(convert(bias, dtype), n))
    keep = None
    if mask is not None:
        keep = convert(mask)
        keep = keep if dtype_of(keep) == "bool" else not_equal(keep, 0)
        keep = _logits_rank4(keep, n)
    if is_causal:
        causal = np.tril(np.ones((t, s), bool))
        keep = causal if keep is None else logical_and(keep, causal)
    probs = attention_softmax(logits, keep, large_negative(dtype))
    out = matmul(reshape(probs, (b, k, g * t, s)), transpose(v, (0, 2, 1, 3)))
    out = transpose(reshape(out, (b, k, g, t, v_shape[3])), (0, 3, 1, 2, 4))
    return reshape(out, (b, t, n, v_shape[3]))


def attention_softmax(logits, keep, fill):
    """softmax over the last axis of `logits` with the entries where `keep` is False
    replaced by `fill` (exactly: where, so no gradient reaches them)."""
    return softmax(logits if keep is None else where(keep, logits, fill), axis=-1)


# ---- normalisation and image-quality --------------------------------------------------------
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x * rsqrt(mean(x**2 over `axis`) + epsilon) * scale, computed in at least float32
    and cast back to x's dtype (Keras's op; epsilon None: keras.config.epsilon()). A 0-d
    x becomes shape (1,), as in Keras."""
    epsilon = EPSILON if epsilon is None else epsilon
    original = dtype_of(convert(x))
    compute = original if original in ("float32", "float64") else "float32"
    x = convert(x, compute)
    if len(shape_of(x)) == 0:
        x = expand_dims(x, 0)
    axes = tuple(sorted(axis)) if isinstance(axis, (list, tuple)) else axis
    mean_square = mean(square(x), axis=axes, keepdims=True)
    out = multiply(x, rsqrt(add(mean_square, epsilon)))
    if scale is not None:
        out = multiply(out, convert(scale, compute))
    return out if original == compute else cast(out, original)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio over all elements: 20 log10(max_val) - 10 log10(mse)
    (a scalar; +inf for equal signals, as Keras)."""
    if shape_of(x1) != shape_of(x2):
        raise ValueError(f"Input shapes {shape_of(x1)} and {shape_of(x2)} must match for PSNR "
                         f"calculation. ")
    a, b = promote(x1, x2)
    mse = mean(square(subtract(a, b)))
    peak = convert(max_val, dtype_of(b))
    return subtract(multiply(log10(peak), 20.0), multiply(log10(mse), 10.0))


# ---- rearrangements -------------------------------------------------------------------------
def _block_layout(name, x, block_size, data_format):
    """(data_format, (N, C, H, W) in x's order) after Keras's checks."""
    data_format = standardize_data_format(data_format)
    if block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")
    shape = shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"`{name}` requires a 4D input tensor. Received: x.shape={shape}")
    n, c, h, w = shape if data_format == "channels_first" else \
        (shape[0], shape[3], shape[1], shape[2])
    return data_format, (n, c, h, w)


def depth_to_space(x, block_size, data_format="channels_last"):
    """(N, H, W, r*r*C) -> (N, H*r, W*r, C) (pixel shuffle). Keras-JAX's channel order:
    channels_last reads the depth as (r, r, C), channels_first as (C, r, r)."""
    data_format, (n, c, h, w) = _block_layout("depth_to_space", x, block_size, data_format)
    r = block_size
    if c % (r * r):
        raise ValueError(f"The number of channels ({c}) must be divisible by block_size**2 "
                         f"({r * r}).")
    x = convert(x)
    if data_format == "channels_last":
        x = transpose(reshape(x, (n, h, w, r, r, c // (r * r))), (0, 1, 3, 2, 4, 5))
        return reshape(x, (n, h * r, w * r, c // (r * r)))
    x = transpose(reshape(x, (n, c // (r * r), r, r, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(x, (n, c // (r * r), h * r, w * r))


def space_to_depth(x, block_size, data_format="channels_last"):
    """(N, H*r, W*r, C) -> (N, H, W, r*r*C): depth_to_space's inverse."""
    data_format, (n, c, h, w) = _block_layout("space_to_depth", x, block_size, data_format)
    r = block_size
    for name, size in (("Height", h), ("Width", w)):
        if size % r:
            raise ValueError(f"{name} ({size}) must be divisible by block_size ({r}).")
    x = convert(x)
    if data_format == "channels_last":
        x = transpose(reshape(x, (n, h // r, r, w // r, r, c)), (0, 1, 3, 2, 4, 5))
        return reshape(x, (n, h // r, w // r, c * r * r))
    x = transpose(reshape(x, (n, c, h // r, r, w // r, r)), (0, 1, 3, 5, 2, 4))
    return reshape(x, (n, c * r * r, h // r, w // r))


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _unfold_geometry(height, width, kernel_size, dilation, padding, stride):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (kernel_size, dilation, padding,
                                                         stride))
    out_h = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    out_w = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"unfold/fold: no {kh}x{kw} block fits in {height}x{width} with "
                         f"padding {(ph, pw)} and dilation {(dh, dw)}")
    return (kh, kw), (dh, dw), (ph, pw), (sh, sw), (out_h, out_w)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """im2col of a channels-first (N, C, H, W) batch: (N, C*kH*kW, L), the block entries
    ordered (C, kH, kW) and the L blocks row-major (PyTorch's and Keras's layout)."""
    shape = shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={shape}")
    n, c, height, width = shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = _unfold_geometry(
        height, width, kernel_size, dilation, padding, stride)
    x = pad(convert(x), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    blocks = [get_item(x, (slice(None), slice(None),
                           slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                           slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)))
              for i in range(kh) for j in range(kw)]
    stacked = concatenate([expand_dims(blk, 2) for blk in blocks], axis=2)
    return reshape(stacked, (n, c * kh * kw, oh * ow))


def _spread(x, axis, stride, length):
    """x along `axis` with stride-1 zeros after each entry, cut to `length`."""
    if stride == 1:
        return x
    shape = shape_of(x)
    zeros = [multiply(x, 0.0)] * (stride - 1)
    woven = concatenate([expand_dims(t, axis + 1) for t in [x] + zeros], axis=axis + 1)
    woven = reshape(woven, shape[:axis] + (shape[axis] * stride,) + shape[axis + 1:])
    return slice_axis(woven, axis, 0, length)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, unfold's adjoint: (N, C*kH*kW, L) blocks summed into (N, C, oH, oW)."""
    shape = shape_of(x)
    if len(shape) != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={shape}")
    height, width = _pair(output_size)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = _unfold_geometry(
        height, width, kernel_size, dilation, padding, stride)
    n, ckk, blocks = shape
    if ckk % (kh * kw) or blocks != oh * ow:
        raise ValueError(f"fold: input of shape {shape} does not hold C*{kh}*{kw} rows of "
                         f"{oh}*{ow} blocks for output_size {(height, width)}")
    c = ckk // (kh * kw)
    x = reshape(convert(x), (n, c, kh, kw, oh, ow))
    span_h, span_w = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    full_h, full_w = height + 2 * ph, width + 2 * pw
    total = None
    for i in range(kh):
        for j in range(kw):
            part = _spread(_spread(get_item(x, (slice(None), slice(None), i, j)), 2, sh,
                                   span_h), 3, sw, span_w)
            part = pad(part, ((0, 0), (0, 0), (i * dh, full_h - i * dh - span_h),
                              (j * dw, full_w - j * dw - span_w)))
            total = part if total is None else add(total, part)
    return slice_axis(slice_axis(total, 2, ph, ph + height), 3, pw, pw + width)


# ---- adaptive pooling -----------------------------------------------------------------------
def adaptive_bins(length, bins):
    """[(start, stop)] of each bin along an axis of `length` split into `bins`: bin i covers
    [floor(i*L/n), ceil((i+1)*L/n)) (Keras's and PyTorch's bins)."""
    return [(i * length // bins, -(-(i + 1) * length // bins)) for i in range(bins)]


def _average_axis(x, axis, bins):
    """A constant (L, n) matrix of 1/bin-size entries applied with one matmul."""
    length = shape_of(x)[axis]
    matrix = np.zeros((length, bins))
    for i, (start, stop) in enumerate(adaptive_bins(length, bins)):
        matrix[start:stop, i] = 1.0 / (stop - start)
    return map_axis(x, matrix, axis)


def _max_axis(x, axis, bins):
    parts = [reduce_max(slice_axis(x, axis, start, stop), axis=axis, keepdims=True)
             for start, stop in adaptive_bins(shape_of(x)[axis], bins)]
    return parts[0] if len(parts) == 1 else concatenate(parts, axis=axis)


def _adaptive_pool(name, pool_axis, inputs, output_size, data_format):
    """Each spatial axis pooled on its own (both poolings are separable); an axis that
    already has `output_size` entries is left as it is."""
    data_format = standardize_data_format(data_format)
    x = convert(inputs)
    rank = len(shape_of(x)) - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{name} supports only 1D/2D/3D inputs")
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != rank or any(not isinstance(v, (int, np.integer)) or v < 1 for v in sizes):
        raise ValueError(f"`output_size` must be a positive integer or a tuple of {rank} "
                         f"positive integers. Received: output_size={output_size}")
    first = 2 if data_format == "channels_first" else 1
    if name == "adaptive_average_pool" and dtype_of(x) not in ("float32", "float64"):
        x = cast(x, "float32")
    for axis, bins in zip(range(first, first + rank), sizes):
        if shape_of(x)[axis] != bins:
            x = pool_axis(x, axis, int(bins))
    return x


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Averages over adaptive bins (adaptive_bins) of each spatial axis: (batch, *spatial,
    channels) -> (batch, *output_size, channels) (or channels first)."""
    return _adaptive_pool("adaptive_average_pool", _average_axis, inputs, output_size,
                          data_format)


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Maxima over adaptive bins of each spatial axis (the gradient goes to every maximal
    element of a bin)."""
    return _adaptive_pool("adaptive_max_pool", _max_axis, inputs, output_size, data_format)


# ---- CTC ------------------------------------------------------------------------------------
_CTC_LOG_EPSILON = -1e5  # optax's log(0) stand-in: keeps every step finite


def _first_dims_match(pairs):
    for (name1, shape1), (name2, shape2) in pairs:
        if shape1[:1] != shape2[:1]:
            raise ValueError(f"Arguments `{name1}` and `{name2}` must have the same first "
                             f"dimension. Received shapes: `{shape1}` and `{shape2}`.")


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sequence CTC negative log-likelihood of integer labels `target` (B, L) under
    logits `output` (B, T, C) (log-softmaxed here), `mask_index` the blank. optax's
    forward algorithm in log space as Keras-JAX runs it: alpha over blank states (B, L+1)
    and label states (B, L), one scan step per frame; frames past `output_length` keep
    the previous alphas, labels past `target_length` are padding."""
    target, output = convert(target, "int32"), convert(output)
    _first_dims_match([(("target", shape_of(target)), ("output", shape_of(output))),
                       (("target_length", shape_of(target_length)), ("target",
                                                                     shape_of(target))),
                       (("output_length", shape_of(output_length)), ("output",
                                                                     shape_of(output)))])
    dtype = dtype_of(output) if dtype_of(output) == "float64" else "float32"
    output = convert(output, dtype)
    batch, frames, classes = shape_of(output)
    labels = shape_of(target)[1]
    target_length = convert(target_length, "int32")
    output_length = convert(output_length, "int32")
    logprobs = log_softmax(output)
    label_lengths = reduce_sum(cast(less(arange(labels)[None], target_length[:, None]),
                                    "int32"), axis=1)
    # repeat[b, n] = 1 where label n + 1 repeats label n (a blank must come between them).
    repeat = cast(equal(target[:, :-1], target[:, 1:]), dtype)
    repeat = pad(repeat, ((0, 0), (0, 1)))
    phi_frames = transpose(logprobs[:, :, mask_index:mask_index + 1], (1, 0, 2))  # (T, B, 1)
    emit_frames = transpose(einsum("btk,bnk->btn", logprobs,
                                   one_hot(target, classes, dtype=dtype)), (1, 0, 2))
    padding = cast(greater_equal(arange(frames)[:, None], output_length[None]), dtype)
    phi0 = np.full((batch, labels + 1), _CTC_LOG_EPSILON, dtype)
    phi0[:, 0] = 0.0
    emit0 = np.full((batch, labels), _CTC_LOG_EPSILON, dtype)

    def add_to_labels(phi, score):  # phi[:, 1:] += score, in log space
        return concatenate([phi[:, :1], logaddexp(phi[:, 1:], score)], axis=-1)

    def step(carry, frame):
        prev_phi, prev_emit = carry
        emit_p, phi_p, pad_t = frame
        phi = add_to_labels(prev_phi, add(prev_emit, multiply(repeat, _CTC_LOG_EPSILON)))
        next_emit = logaddexp(add(phi[:, :-1], emit_p), add(prev_emit, emit_p))
        next_phi = add_to_labels(add(phi, phi_p), add(add(prev_emit, phi_p), multiply(
            subtract(1.0, repeat), _CTC_LOG_EPSILON)))
        pad_t = pad_t[:, None]
        keep = subtract(1.0, pad_t)
        next_emit = add(multiply(pad_t, prev_emit), multiply(keep, next_emit))
        next_phi = add(multiply(pad_t, prev_phi), multiply(keep, next_phi))
        return (next_phi, next_emit), None

    (phi, emit), _ = scan(step, (phi0, emit0), (emit_frames, phi_frames, padding))
    last = add_to_labels(phi, emit)
    return -reduce_sum(multiply(last, one_hot(label_lengths, labels + 1, dtype=dtype)),
                       axis=1)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Greedy CTC decoding (Keras's): ((1, B, T) int32 labels, the decoded ones first and
    -1 after; (B, 1) minus the summed best logits). The best class of each frame within
    `sequence_lengths`, repeats merged, blanks (`mask_index`; None: the last class)
    dropped. Beam search is not implemented (NotImplementedError)."""
    if strategy == "beam_search":
        raise NotImplementedError("ctc_decode: fastkeras implements strategy='greedy' only")
    if strategy != "greedy":
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                         f"'beam_search'.")
    x = convert(inputs)
    x = convert(x, dtype_of(x) if dtype_of(x) == "float64" else "float32")
    batch, frames, classes = shape_of(x)
    blank = classes - 1 if mask_index is None else mask_index
    lengths = convert(sequence_lengths, "int32")
    past_end = greater_equal(arange(frames)[None], lengths[:, None])
    # Labels are carried as float32 (exact below 2**24): ops.where and the arithmetic ops
    # compute in floats; the result is cast back to int32.
    indices = where(past_end, blank, cast(argmax(x, axis=-1), "int32"))
    scores = where(past_end, 0.0, reduce_max(x, axis=-1))
    if merge_repeated:
        repeated = pad(equal(indices[:, 1:], indices[:, :-1]), ((0, 0), (1, 0)))
        indices = where(repeated, blank, indices)
    kept = not_equal(indices, blank)
    # Stable compaction: kept label j goes to slot (number of kept labels up to j) - 1.
    slot = subtract(cumsum(cast(kept, "int32"), axis=1), 1)
    lands = logical_and(equal(slot[:, :, None], np.arange(frames, dtype=np.int32)),
                        kept[:, :, None])                                   # (B, T, slot)
    picked = reduce_sum(multiply(cast(lands, "float32"), indices[:, :, None]), axis=1)
    filled = reduce_sum(cast(lands, "float32"), axis=1)
    decoded = cast(where(equal(filled, 0), -1, picked), "int32")
    return expand_dims(decoded, 0), -reduce_sum(scores, axis=1, keepdims=True)
