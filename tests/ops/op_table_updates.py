"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/updates.py."""

import numpy as np

_rng = np.random.default_rng(49)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


def _distinct(*shape):
    n = int(np.prod(shape))
    return ((0.5 + 0.15 * _rng.permutation(n)) * _rng.choice([-1.0, 1.0], size=n)).reshape(shape)


def _select_ref(x):
    return np.select([x < -0.5, x > 1.0], [x * 2, -x], default=7.0)


def _slice_update_ref(x, u, starts):
    out = x.copy()
    starts = [min(max(s, 0), d - n) for s, d, n in zip(starts, x.shape, u.shape)]
    out[tuple(slice(s, s + n) for s, n in zip(starts, u.shape))] = u
    return out


def _scatter_ref(indices, values, shape):
    out = np.zeros(shape, values.dtype)
    np.add.at(out, tuple(np.moveaxis(indices, -1, 0)), values)
    return out


def _scatter_update_ref(x, indices, updates, reduction=None):
    out = x.copy()
    key = tuple(np.moveaxis(indices, -1, 0))
    if reduction is None:
        for i, row in enumerate(indices):  # in order: the last write wins
            out[tuple(row)] = updates[i]
        return out
    {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}[reduction].at(
        out, key, updates)
    return out


def _segment_ref(data, ids, n, reduce, empty):
    out = np.full((n,) + data.shape[1:], empty, data.dtype)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


_IDX2 = np.array([[0, 1], [2, 3], [0, 1], [1, 0]], np.int32)   # (0, 1) written twice
_IDX1 = np.array([[2], [0], [2]], np.int32)
_IDS = np.array([0, 2, 0, 1, 2, 2], np.int32)
_IDS_OUT = np.array([0, 5, 1, -1, 1, 0], np.int32)

TABLE = {
    "select": (lambda o, x: o.select([x < -0.5, x > 1.0], [x * 2, -x], default=7.0),
               _select_ref, [_distinct(3, 4)], True),
    "select[int]": (lambda o, a, b: o.select([a > 0, b > 0], [a, b]),
                    lambda a, b: np.select([a > 0, b > 0], [a, b]),
                    [np.array([[1, -2, 0], [3, 0, -1]], np.int32),
                     np.array([5, 6, -7], np.int32)], False),
    "select[nan]": (lambda o, x: o.select([np.array([True, False, False, True])],
                                          [np.array([np.nan, np.inf, 1.0, -0.0])], default=x),
                    lambda x: np.where([True, False, False, True], [np.nan, np.inf, 1.0, -0.0],
                                       x), [np.array([1.0, np.nan, -np.inf, 2.0])], False),
    "slice_update": (lambda o, x, u: o.slice_update(x, (1, 2), u),
                     lambda x, u: _slice_update_ref(x, u, (1, 2)), [_f(3, 5), _f(2, 2)], True),
    "slice_update[clamped]": (lambda o, x, u: o.slice_update(x, (2, -1, 0), u),
                              lambda x, u: _slice_update_ref(x, u, (2, -1, 0)),
                              [_f(3, 4, 2), _f(2, 2, 2)], True),
    "slice_update[int]": (lambda o, x, u: o.slice_update(x, (0, 1), u),
                          lambda x, u: _slice_update_ref(x, u.astype(x.dtype), (0, 1)),
                          [np.arange(12, dtype=np.int32).reshape(3, 4),
                           np.array([[-5, 7]], np.int32)], False),
    "scatter": (lambda o, v: o.scatter(_IDX2, v, (3, 4)),
                lambda v: _scatter_ref(_IDX2, v, (3, 4)), [_f(4)], True),
    "scatter[rows]": (lambda o, v: o.scatter(_IDX1, v, (3, 2)),
                      lambda v: _scatter_ref(_IDX1, v, (3, 2)), [_f(3, 2)], True),
    "scatter[traced_indices]": (lambda o, i, v: o.scatter(i, v, (4,)),
                                lambda i, v: _scatter_ref(i, v, (4,)),
                                [np.array([[3], [-1], [0]], np.int32), _f(3)], False),
    "scatter_update": (lambda o, x, u: o.scatter_update(x, _IDX2, u),
                       lambda x, u: _scatter_update_ref(x, _IDX2, u), [_f(3, 4), _f(4)], True),
    "scatter_update[rows]": (lambda o, x, u: o.scatter_update(x, _IDX1, u),
                             lambda x, u: _scatter_update_ref(x, _IDX1, u),
                             [_f(3, 2), _f(3, 2)], True),
    "scatter_update[edges]": (lambda o, x, u: o.scatter_update(x, _IDX2, u),
                              lambda x, u: _scatter_update_ref(x, _IDX2, u),
                              [np.array([[np.nan, 1, 2, 3], [4, 5, 6, 7], [8, 9, 1, 2]]),
                               np.array([np.inf, -0.0, np.nan, 1.0])], False),
    "scatter_update[add]": (lambda o, x, u: o.scatter_update(x, _IDX2, u, reduction="add"),
                            lambda x, u: _scatter_update_ref(x, _IDX2, u, "add"),
                            [_f(3, 4), _f(4)], True),
    "scatter_update[max]": (lambda o, x, u: o.scatter_update(x, _IDX2, u, reduction="max"),
                            lambda x, u: _scatter_update_ref(x, _IDX2, u, "max"),
                            [_distinct(3, 4), _distinct(4)], True),
    "scatter_update[min]": (lambda o, x, u: o.scatter_update(x, _IDX1, u, reduction="MIN"),
                            lambda x, u: _scatter_update_ref(x, _IDX1, u, "min"),
                            [_distinct(3, 2), _distinct(3, 2)], True),
    "scatter_update[mul]": (lambda o, x, u: o.scatter_update(x, _IDX2, u, reduction="mul"),
                            lambda x, u: _scatter_update_ref(x, _IDX2, u, "mul"),
                            [_f(3, 4), _f(4)], True),
    "scatter_update[int]": (lambda o, x, i, u: o.scatter_update(x, i, u),
                            lambda x, i, u: _scatter_update_ref(x, i, u),
                            [np.arange(5, dtype=np.int32), np.array([[1], [4], [1]], np.int32),
                             np.array([-3, 9, 8], np.int32)], False),
    "segment_min": (lambda o, d: o.segment_min(d, _IDS, num_segments=3),
                    lambda d: _segment_ref(d, _IDS, 3, np.min, np.inf), [_distinct(6, 2)], True),
    "segment_min[empty]": (lambda o, d: o.segment_min(d, _IDS, num_segments=4),
                           lambda d: _segment_ref(d, _IDS, 4, np.min, np.inf),
                           [_distinct(6, 2)], False),
    "segment_min[dropped]": (lambda o, d: o.segment_min(d, _IDS_OUT, num_segments=3),
                             lambda d: _segment_ref(d, _IDS_OUT, 3, np.min, np.inf),
                             [np.array([1.0, np.nan, 3.0, 4.0, -2.0, 0.5])], False),
    "segment_min[int]": (lambda o, d: o.segment_min(d, _IDS, num_segments=4),
                         lambda d: _segment_ref(d, _IDS, 4, np.min, 2 ** 31 - 1),
                         [np.array([3, -1, 4, 1, -5, 9], np.int32)], False),
    "segment_prod": (lambda o, d: o.segment_prod(d, _IDS, num_segments=4),
                     lambda d: _segment_ref(d, _IDS, 4, np.prod, 1.0), [_f(6, 3)], True),
    "segment_prod[dropped]": (lambda o, d: o.segment_prod(d, _IDS_OUT),
                              lambda d: _segment_ref(d, _IDS_OUT, 6, np.prod, 1.0),
                              [np.array([1.0, np.nan, 3.0, 4.0, -2.0, 0.5])], False),
}
