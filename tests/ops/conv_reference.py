"""Plain NumPy references for the convolutions and poolings (channels_last), written as
loops over output positions and kernel offsets: slow, obvious, independent of
fastkeras.ops.windows. Padding follows TensorFlow's 'same' (the odd element after)."""

import itertools

import numpy as np


def _tup(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def same_pads(length, k, s, d):
    out = -(-length // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - length, 0)
    return total // 2, total - total // 2


def _padded(x, k, s, padding, d, fill=0.0):
    n = x.ndim - 2
    if padding == "valid":
        pads = [(0, 0)] * n
    elif padding == "causal":
        pads = [((k[0] - 1) * d[0], 0)]
    else:
        pads = [same_pads(L, kk, ss, dd) for L, kk, ss, dd in zip(x.shape[1:-1], k, s, d)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    out = [(L - (kk - 1) * dd - 1) // ss + 1 for L, kk, ss, dd in zip(xp.shape[1:-1], k, s, d)]
    return xp, out


def _taps(xp, out, k, s, d):
    """(output index, kernel index, the (N, C) input column it reads)."""
    for o in itertools.product(*map(range, out)):
        for kk in itertools.product(*map(range, k)):
            pos = tuple(oi * si + ki * di for oi, si, ki, di in zip(o, s, kk, d))
            yield o, kk, xp[(slice(None),) + pos]


def conv(x, w, strides=1, padding="valid", dilation_rate=1):
    n = x.ndim - 2
    k, s, d = w.shape[:n], _tup(strides, n), _tup(dilation_rate, n)
    xp, out = _padded(x, k, s, padding, d)
    groups = x.shape[-1] // w.shape[-2]
    cin, fpg = w.shape[-2], w.shape[-1] // groups
    y = np.zeros((x.shape[0],) + tuple(out) + (w.shape[-1],))
    for o, kk, col in _taps(xp, out, k, s, d):
        for g in range(groups):
            y[(slice(None),) + o + (slice(g * fpg, (g + 1) * fpg),)] += \
                col[:, g * cin:(g + 1) * cin] @ w[kk][:, g * fpg:(g + 1) * fpg]
    return y


def depthwise_conv(x, w, strides=1, padding="valid", dilation_rate=1):
    n = x.ndim - 2
    k, s, d = w.shape[:n], _tup(strides, n), _tup(dilation_rate, n)
    xp, out = _padded(x, k, s, padding, d)
    c, m = w.shape[-2:]
    y = np.zeros((x.shape[0],) + tuple(out) + (c, m))
    for o, kk, col in _taps(xp, out, k, s, d):
        y[(slice(None),) + o] += col[:, :, None] * w[kk][None]
    return y.reshape(y.shape[:-2] + (c * m,))


def separable_conv(x, dw, pw, strides=1, padding="valid", dilation_rate=1):
    h = depthwise_conv(x, dw, strides, padding, dilation_rate)
    return h @ pw.reshape(pw.shape[-2:])


def conv_transpose(x, w, strides, crop_before, out_shape, dilation_rate=1):
    """Scatters x[i] @ w[k].T onto i*s + k*d (the full transposed conv), then keeps
    out_shape positions from crop_before on (zeros past the end)."""
    n = x.ndim - 2
    k, s, d = w.shape[:n], _tup(strides, n), _tup(dilation_rate, n)
    crop = _tup(crop_before, n)
    full = [(L - 1) * si + (ki - 1) * di + 1 for L, si, ki, di in zip(x.shape[1:-1], s, k, d)]
    big = [max(f, c + o) for f, c, o in zip(full, crop, out_shape)]
    y = np.zeros((x.shape[0],) + tuple(big) + (w.shape[-2],))
    for i in itertools.product(*map(range, x.shape[1:-1])):
        for kk in itertools.product(*map(range, k)):
            pos = tuple(ii * si + ki * di for ii, si, ki, di in zip(i, s, kk, d))
            y[(slice(None),) + pos] += x[(slice(None),) + i] @ w[kk].T
    return y[(slice(None),) + tuple(slice(c, c + o) for c, o in zip(crop, out_shape))]


def _pool(x, pool_size, strides, padding, reduce):
    n = x.ndim - 2
    k = _tup(pool_size, n)
    s = k if strides is None else _tup(strides, n)
    xp, out = _padded(x, k, s, padding, (1,) * n, fill=np.nan)
    cols = {}
    for o, _, col in _taps(xp, out, k, s, (1,) * n):
        cols.setdefault(o, []).append(col)
    y = np.zeros((x.shape[0],) + tuple(out) + (x.shape[-1],))
    for o, c in cols.items():
        y[(slice(None),) + o] = reduce(np.stack(c), axis=0)  # NaN = padding, ignored
    return y


def max_pool(x, pool_size, strides=None, padding="valid"):
    return _pool(x, pool_size, strides, padding, np.nanmax)


def average_pool(x, pool_size, strides=None, padding="valid"):
    return _pool(x, pool_size, strides, padding, np.nanmean)
