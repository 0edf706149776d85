"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/nn_extra.py. The references
are written from the definitions (loops, the textbook CTC recursion over blank-extended
labels), not from the ops' reshapes; Keras's own numbers are checked in test_nn_extra.py."""

import numpy as np

_rng = np.random.default_rng(48)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _attention_ref(q, k, v, bias=None, mask=None, scale=None, causal=False):
    heads, kv_heads = q.shape[2], k.shape[2]
    k = np.repeat(k, heads // kv_heads, axis=2)  # query head n reads kv head n // group
    v = np.repeat(v, heads // kv_heads, axis=2)
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -0.7 * np.finfo(np.float32).max)
    return np.einsum("bnts,bsnh->btnh", _softmax(logits), v)


_MASK = _rng.uniform(size=(2, 1, 3, 4)) < 0.6
_MASK[0, 0, 1] = False  # a query row attending to nothing: the uniform average


def _rms_ref(x, scale=1.0, axis=-1, epsilon=1e-7):
    return x / np.sqrt(np.mean(x * x, axis=axis, keepdims=True) + epsilon) * scale


def _depth_to_space_ref(x, r, channels_first=False):
    if channels_first:  # depth read as (C, r, r)
        n, c, h, w = x.shape
        out = np.zeros((n, c // (r * r), h * r, w * r), x.dtype)
        for ch, i, j in np.ndindex(c // (r * r), r, r):
            out[:, ch, i::r, j::r] = x[:, ch * r * r + i * r + j]
        return out
    n, h, w, c = x.shape  # depth read as (r, r, C)
    out = np.zeros((n, h * r, w * r, c // (r * r)), x.dtype)
    for i, j in np.ndindex(r, r):
        block = (i * r + j) * (c // (r * r))
        out[:, i::r, j::r, :] = x[..., block:block + c // (r * r)]
    return out


def _space_to_depth_ref(x, r, channels_first=False):
    if channels_first:
        n, c, h, w = x.shape
        out = np.zeros((n, c * r * r, h // r, w // r), x.dtype)
        for ch, i, j in np.ndindex(c, r, r):
            out[:, ch * r * r + i * r + j] = x[:, ch, i::r, j::r]
        return out
    n, h, w, c = x.shape
    out = np.zeros((n, h // r, w // r, c * r * r), x.dtype)
    for i, j in np.ndindex(r, r):
        out[..., (i * r + j) * c:(i * r + j + 1) * c] = x[:, i::r, j::r, :]
    return out


def _bins(length, n):
    return [(int(np.floor(i * length / n)), int(np.ceil((i + 1) * length / n)))
            for i in range(n)]


def _adaptive_ref(x, sizes, reduce, channels_first=False):
    """Pools every combination of bins of the spatial axes (not axis by axis)."""
    spatial = x.shape[2:] if channels_first else x.shape[1:-1]
    out_shape = (x.shape[:2] + tuple(sizes)) if channels_first else \
        ((x.shape[0],) + tuple(sizes) + (x.shape[-1],))
    out = np.zeros(out_shape, x.dtype)
    first = 2 if channels_first else 1
    for idx in np.ndindex(*sizes):
        window = [slice(None)] * x.ndim
        for d, (i, length, n) in enumerate(zip(idx, spatial, sizes)):
            window[first + d] = slice(*_bins(length, n)[i])
        axes = tuple(range(first, first + len(sizes)))
        at = [slice(None)] * x.ndim
        for d, i in enumerate(idx):
            at[first + d] = i
        out[tuple(at)] = reduce(x[tuple(window)], axis=axes)
    return out


def _unfold_ref(x, k, d, p, s):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], oh, ow), x.dtype)
    for i, j, a, b in np.ndindex(k[0], k[1], oh, ow):
        out[:, :, i, j, a, b] = xp[:, :, a * s[0] + i * d[0], b * s[1] + j * d[1]]
    return out.reshape(n, c * k[0] * k[1], oh * ow)


def _fold_ref(x, size, k, d, p, s):
    n = x.shape[0]
    oh = (size[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (size[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    blocks = x.reshape(n, -1, k[0], k[1], oh, ow)
    out = np.zeros((n, blocks.shape[1], size[0] + 2 * p[0], size[1] + 2 * p[1]), x.dtype)
    for i, j, a, b in np.ndindex(k[0], k[1], oh, ow):
        out[:, :, a * s[0] + i * d[0], b * s[1] + j * d[1]] += blocks[:, :, i, j, a, b]
    return out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]


_CTC_TARGET = np.array([[1, 1, 2], [3, 0, 0], [2, 3, 1]], np.int32)
_CTC_TARGET_LEN = np.array([3, 1, 2], np.int32)
_CTC_OUTPUT_LEN = np.array([5, 3, 4], np.int32)


def _ctc_ref(target, logits, target_len, output_len, blank=0):
    """-log p(labels | frames): alpha over the labels with blanks between and around."""
    out = []
    for b in range(len(target)):
        logp = np.log(_softmax(logits[b, :output_len[b]]))
        ext = [blank]
        for label in target[b, :target_len[b]]:
            ext += [label, blank]
        alpha = np.full(len(ext), -np.inf)
        alpha[:2] = logp[0, ext[:2]]
        for t in range(1, len(logp)):
            prev = alpha.copy()
            for s in range(len(ext)):
                terms = [prev[s]] + ([prev[s - 1]] if s >= 1 else [])
                if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                    terms.append(prev[s - 2])
                alpha[s] = np.logaddexp.reduce(terms) + logp[t, ext[s]]
        out.append(-np.logaddexp(alpha[-1], alpha[-2]))
    return np.array(out)


def _greedy_ref(x, lengths, merge=True, blank=0):
    labels = np.full(x.shape[:2], -1, np.int32)
    scores = np.zeros((x.shape[0], 1), x.dtype)
    for b in range(x.shape[0]):
        best, kept, prev = x[b, :lengths[b]].argmax(-1), [], None
        for c in best:
            if c != blank and not (merge and c == prev):
                kept.append(c)
            prev = c
        labels[b, :len(kept)] = kept
        scores[b, 0] = -x[b, :lengths[b]].max(-1).sum()
    return labels[None], scores


_DECODE_IN = _f(3, 6, 4)
_DECODE_IN[0, 1:3] = _DECODE_IN[0, 0]  # a repeated label
_DECODE_LEN = np.array([6, 4, 0], np.int32)

TABLE = {
    "dot_product_attention": (lambda o, q, k, v: o.dot_product_attention(q, k, v),
                              _attention_ref, [_f(2, 3, 2, 4), _f(2, 4, 2, 4), _f(2, 4, 2, 3)],
                              True),
    "dot_product_attention[mask_causal_scale]": (
        lambda o, q, k, v: o.dot_product_attention(q, k, v, mask=_MASK, scale=0.7,
                                                   is_causal=True),
        lambda q, k, v: _attention_ref(q, k, v, mask=_MASK, scale=0.7, causal=True),
        [_f(2, 3, 2, 4), _f(2, 4, 2, 4), _f(2, 4, 2, 4)], True),
    "dot_product_attention[grouped_bias]": (
        lambda o, q, k, v, bias: o.dot_product_attention(q, k, v, bias=bias),
        lambda q, k, v, bias: _attention_ref(q, k, v, bias=bias),
        [_f(2, 3, 4, 2), _f(2, 5, 2, 2), _f(2, 5, 2, 3), _f(1, 4, 3, 5)], True),
    "rms_normalization": (lambda o, x: o.rms_normalization(x), _rms_ref, [_f(3, 5)], True),
    "rms_normalization[axes_scale]": (
        lambda o, x, s: o.rms_normalization(x, s, axis=(1, 2), epsilon=0.01),
        lambda x, s: _rms_ref(x, s, axis=(1, 2), epsilon=0.01), [_f(2, 3, 4), _f(3, 4)],
        True),
    "depth_to_space": (lambda o, x: o.depth_to_space(x, 2),
                       lambda x: _depth_to_space_ref(x, 2), [_f(2, 2, 3, 8)], True),
    "depth_to_space[channels_first]": (
        lambda o, x: o.depth_to_space(x, 2, data_format="channels_first"),
        lambda x: _depth_to_space_ref(x, 2, True), [_f(1, 8, 2, 3)], True),
    "space_to_depth": (lambda o, x: o.space_to_depth(x, 3),
                       lambda x: _space_to_depth_ref(x, 3), [_f(1, 3, 6, 2)], True),
    "space_to_depth[channels_first]": (
        lambda o, x: o.space_to_depth(x, 2, data_format="channels_first"),
        lambda x: _space_to_depth_ref(x, 2, True), [_f(2, 2, 4, 2)], True),
    "psnr": (lambda o, a, b: o.psnr(a, b, 2.0),
             lambda a, b: 20 * np.log10(2.0) - 10 * np.log10(np.mean((a - b) ** 2)),
             [_f(2, 3, 4), _f(2, 3, 4)], True),
    "adaptive_average_pool": (lambda o, x: o.adaptive_average_pool(x, (3, 2)),
                              lambda x: _adaptive_ref(x, (3, 2), np.mean), [_f(2, 5, 4, 3)],
                              True),
    "adaptive_average_pool[3d_channels_first]": (
        lambda o, x: o.adaptive_average_pool(x, 2, data_format="channels_first"),
        lambda x: _adaptive_ref(x, (2, 2, 2), np.mean, True), [_f(1, 2, 3, 4, 5)], True),
    "adaptive_max_pool": (lambda o, x: o.adaptive_max_pool(x, 4),
                          lambda x: _adaptive_ref(x, (4,), np.max), [_f(2, 7, 3)], True),
    "adaptive_max_pool[2d_more_bins]": (
        lambda o, x: o.adaptive_max_pool(x, (5, 2), data_format="channels_first"),
        lambda x: _adaptive_ref(x, (5, 2), np.max, True), [_f(1, 2, 3, 5)], True),
    "unfold": (lambda o, x: o.unfold(x, 2), lambda x: _unfold_ref(x, (2, 2), (1, 1), (0, 0),
                                                                  (1, 1)),
               [_f(2, 3, 4, 3)], True),
    "unfold[strided_dilated_padded]": (
        lambda o, x: o.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
        lambda x: _unfold_ref(x, (2, 3), (2, 1), (1, 1), (1, 2)), [_f(1, 2, 5, 6)], True),
    "fold": (lambda o, x: o.fold(x, (3, 4), 2),
             lambda x: _fold_ref(x, (3, 4), (2, 2), (1, 1), (0, 0), (1, 1)), [_f(2, 8, 6)],
             True),
    "fold[strided_padded]": (
        lambda o, x: o.fold(x, (4, 5), (2, 3), padding=(1, 0), stride=2, dilation=(1, 1)),
        lambda x: _fold_ref(x, (4, 5), (2, 3), (1, 1), (1, 0), (2, 2)), [_f(1, 12, 6)],
        True),
    "ctc_loss": (lambda o, z: o.ctc_loss(_CTC_TARGET, z, _CTC_TARGET_LEN, _CTC_OUTPUT_LEN),
                 lambda z: _ctc_ref(_CTC_TARGET, z, _CTC_TARGET_LEN, _CTC_OUTPUT_LEN),
                 [_f(3, 6, 4)], True),
    "ctc_loss[mask_index]": (
        lambda o, z: o.ctc_loss(_CTC_TARGET, z, _CTC_TARGET_LEN, _CTC_OUTPUT_LEN,
                                mask_index=4),
        lambda z: _ctc_ref(_CTC_TARGET, z, _CTC_TARGET_LEN, _CTC_OUTPUT_LEN, blank=4),
        [_f(3, 6, 5)], False),  # the gradient: the line above
    "ctc_decode[labels]": (lambda o, x: o.ctc_decode(x, _DECODE_LEN)[0],
                           lambda x: _greedy_ref(x, _DECODE_LEN)[0], [_DECODE_IN], False),
    "ctc_decode[scores]": (lambda o, x: o.ctc_decode(x, _DECODE_LEN)[1],
                           lambda x: _greedy_ref(x, _DECODE_LEN)[1], [_DECODE_IN], False),
    "ctc_decode[no_merge_last_blank]": (
        lambda o, x: o.ctc_decode(x, _DECODE_LEN, merge_repeated=False, mask_index=None)[0],
        lambda x: _greedy_ref(x, _DECODE_LEN, merge=False, blank=3)[0], [_DECODE_IN], False),
}
