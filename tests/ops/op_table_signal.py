"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/signal.py."""

import numpy as np

_rng = np.random.default_rng(50)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


def _corrcoef_ref(x):
    return np.clip(np.corrcoef(x), -1, 1)


def _cdist_ref(x, y):
    return np.sqrt(((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1))


def _frames_ref(x, length, stride):
    count = (x.shape[-1] - length) // stride + 1
    return np.stack([x[..., i * stride:i * stride + length] for i in range(count)], -2)


def _histogram_counts(x, bins, lo, hi):
    return np.histogram(x, bins=bins, range=(lo, hi))[0].astype(np.float32)


_EDGES = np.array([1.0, np.nan, 4.0, np.inf, -0.0, 2.0])
_INTS = np.array([[3, -1, 4, 1], [5, 9, -2, 6]], np.int32)
_HIST = np.array([0.0, 1.0, 1.0, 2.0, 5.0, 4.0, -1.0, 3.999, 6.0, 2.5])

TABLE = {
    "diff": (lambda o, x: o.diff(x), lambda x: np.diff(x), [_f(3, 5)], True),
    "diff[n2_axis0]": (lambda o, x: o.diff(x, n=2, axis=0), lambda x: np.diff(x, 2, axis=0),
                       [_f(4, 3)], True),
    "diff[n0]": (lambda o, x: o.diff(x, n=0), lambda x: x, [_f(2, 3)], True),
    "diff[edges]": (lambda o, x: o.diff(x), np.diff, [_EDGES], False),
    "diff[int]": (lambda o, x: o.diff(x, n=2), lambda x: np.diff(x, 2), [_INTS], False),
    "diff[bool]": (lambda o, x: o.diff(x), np.diff,
                   [np.array([True, False, False, True, True])], False),
    "trapezoid": (lambda o, y: o.trapezoid(y), lambda y: np.trapezoid(y), [_f(3, 5)], True),
    "trapezoid[dx_axis0]": (lambda o, y: o.trapezoid(y, dx=0.5, axis=0),
                            lambda y: np.trapezoid(y, dx=0.5, axis=0), [_f(4, 3)], True),
    "trapezoid[x]": (lambda o, y, x: o.trapezoid(y, x=x), lambda y, x: np.trapezoid(y, x=x),
                     [_f(2, 4), np.cumsum(_rng.uniform(0.1, 1, 4))], True),
    "trapezoid[x_full]": (lambda o, y, x: o.trapezoid(y, x=x, axis=0),
                          lambda y, x: np.trapezoid(y, x=x, axis=0), [_f(4, 2), _f(4, 2)],
                          True),
    "trapezoid[int]": (lambda o, y: o.trapezoid(y), lambda y: np.trapezoid(y.astype(float)),
                       [_INTS], False),
    "correlate": (lambda o, a, v: o.correlate(a, v), np.correlate, [_f(6), _f(3)], True),
    "correlate[same]": (lambda o, a, v: o.correlate(a, v, mode="same"),
                        lambda a, v: np.correlate(a, v, "same"), [_f(6), _f(4)], True),
    "correlate[full]": (lambda o, a, v: o.correlate(a, v, mode="full"),
                        lambda a, v: np.correlate(a, v, "full"), [_f(5), _f(3)], True),
    "correlate[short_first]": (lambda o, a, v: o.correlate(a, v),
                               lambda a, v: np.correlate(a, v), [_f(2), _f(5)], True),
    "correlate[short_same]": (lambda o, a, v: o.correlate(a, v, mode="same"),
                              lambda a, v: np.correlate(a, v, "same"), [_f(3), _f(6)], True),
    "correlate[short_full]": (lambda o, a, v: o.correlate(a, v, mode="full"),
                              lambda a, v: np.correlate(a, v, "full"), [_f(4), _f(5)], True),
    "correlate[int]": (lambda o, a, v: o.correlate(a, v, mode="full"),
                       lambda a, v: np.correlate(a, v, "full").astype(np.float32),
                       [np.array([1, 2, 3], np.int32), np.array([4, -5], np.int32)], False),
    "corrcoef": (lambda o, x: o.corrcoef(x), _corrcoef_ref, [_f(3, 6)], True),
    "corrcoef[1d]": (lambda o, x: o.corrcoef(x), _corrcoef_ref, [_f(5)], False),
    "corrcoef[int]": (lambda o, x: o.corrcoef(x), _corrcoef_ref, [_INTS], False),
    "cdist": (lambda o, x, y: o.cdist(x, y), _cdist_ref, [_f(3, 4), _f(2, 4)], True),
    "cdist[batch]": (lambda o, x, y: o.cdist(x, y), _cdist_ref, [_f(2, 3, 2), _f(2, 4, 2)],
                     True),
    "vander": (lambda o, x: o.vander(x), np.vander, [_f(4)], True),
    "vander[N_increasing]": (lambda o, x: o.vander(x, N=3, increasing=True),
                             lambda x: np.vander(x, 3, increasing=True), [_f(5)], True),
    "vander[int]": (lambda o, x: o.vander(x, N=5), lambda x: np.vander(x, 5),
                    [np.array([2, -3, 0], np.int32)], False),
    "bartlett": (lambda o, x: o.add(x, o.bartlett(7)), lambda x: x + np.bartlett(7), [_f(7)],
                 True),
    "bartlett[one]": (lambda o, x: o.add(x, o.bartlett(1)), lambda x: x + np.bartlett(1),
                      [_f(1)], False),
    "blackman": (lambda o, x: o.add(x, o.blackman(6)), lambda x: x + np.blackman(6), [_f(6)],
                 True),
    "hamming": (lambda o, x: o.add(x, o.hamming(6)), lambda x: x + np.hamming(6), [_f(6)], True),
    "hanning": (lambda o, x: o.add(x, o.hanning(5)), lambda x: x + np.hanning(5), [_f(5)], True),
    "kaiser": (lambda o, x: o.add(x, o.kaiser(6, 3.5)), lambda x: x + np.kaiser(6, 3.5),
               [_f(6)], True),
    "kaiser[long]": (lambda o, x: o.add(x, o.kaiser(9, 20.0)), lambda x: x + np.kaiser(9, 20.0),
                     [_f(9)], False),
    "histogram": (lambda o, x: o.histogram(x, bins=4, range=(0.0, 4.0))[0],
                  lambda x: _histogram_counts(x, 4, 0.0, 4.0), [_HIST], False),
    "histogram[edges]": (lambda o, x: o.add(x, o.histogram(_HIST, bins=3)[1]),
                         lambda x: x + np.histogram(_HIST, bins=3)[1], [_f(4)], False),
    "extract_sequences": (lambda o, x: o.extract_sequences(x, 4, 3),
                          lambda x: _frames_ref(x, 4, 3), [_f(2, 11)], True),
    "extract_sequences[1d]": (lambda o, x: o.extract_sequences(x, 2, 1),
                              lambda x: _frames_ref(x, 2, 1), [_EDGES], False),
}
