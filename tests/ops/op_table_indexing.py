"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/indexing.py."""

import numpy as np

_rng = np.random.default_rng(28)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


_ROWS = np.array([2, 0, -1], np.int32)
_GRID = np.array([[0, 1], [3, 3]], np.int32)  # repeats: the gradient sums them


def _dynamic_slice(x, starts, shape):
    """lax.dynamic_slice: a -1 takes the rest of the axis, starts move back to fit."""
    sizes = [d - s if n == -1 else n for d, s, n in zip(x.shape, starts, shape)]
    starts = [min(max(s, 0), d - n) for s, d, n in zip(starts, x.shape, sizes)]
    return x[tuple(slice(s, s + n) for s, n in zip(starts, sizes))]


# name: (call(ops, *inputs), reference(*inputs), inputs, differentiable)
TABLE = {
    "get_item[int]": (lambda o, x: o.get_item(x, 1), lambda x: x[1], [_f(3, 4)], True),
    "get_item[negative_ints]": (lambda o, x: o.get_item(x, (-1, -3)), lambda x: x[-1, -3],
                                [_f(3, 4)], True),
    "get_item[slices]": (lambda o, x: o.get_item(x, (slice(1, None), slice(None, 3))),
                         lambda x: x[1:, :3], [_f(3, 4)], True),
    "get_item[steps]": (lambda o, x: o.get_item(x, (slice(None, None, 2), slice(None, None, -1))),
                        lambda x: x[::2, ::-1], [_f(5, 4)], True),
    "get_item[negative_step_bounds]": (lambda o, x: o.get_item(x, slice(4, 0, -3)),
                                       lambda x: x[4:0:-3], [_f(6, 2)], True),
    "get_item[out_of_range_slice]": (lambda o, x: o.get_item(x, (slice(None), slice(2, 9))),
                                     lambda x: x[:, 2:9], [_f(2, 4)], True),
    "get_item[newaxis]": (lambda o, x: o.get_item(x, (slice(None), None, slice(1, 3))),
                          lambda x: x[:, None, 1:3], [_f(3, 4)], True),
    "get_item[ellipsis]": (lambda o, x: o.get_item(x, (Ellipsis, 0)), lambda x: x[..., 0],
                           [_f(2, 3, 4)], True),
    "get_item[int_ellipsis_newaxis]": (lambda o, x: o.get_item(x, (1, Ellipsis, None)),
                                       lambda x: x[1, ..., None], [_f(2, 3, 4)], True),
    "get_item[numpy_ints]": (lambda o, x: o.get_item(x, (np.int64(-2), np.int32(1))),
                             lambda x: x[-2, 1], [_f(3, 4)], True),
    "get_item[empty]": (lambda o, x: o.get_item(x, (slice(3, 1), slice(None))),
                        lambda x: x[3:1, :], [_f(3, 4)], False),
    "get_item[scalar]": (lambda o, x: o.get_item(x, (2, 1)), lambda x: x[2, 1], [_f(3, 4)],
                         True),
    "get_item[int_array]": (lambda o, x: o.get_item(x, _ROWS), lambda x: x[_ROWS], [_f(3, 4)],
                            True),
    "get_item[list_on_axis1]": (lambda o, x: o.get_item(x, (slice(None), [1, 3, 1])),
                                lambda x: x[:, [1, 3, 1]], [_f(3, 4)], True),
    "get_item[2d_index_array]": (lambda o, x: o.get_item(x, (Ellipsis, _GRID)),
                                 lambda x: x[..., _GRID], [_f(2, 3, 4)], True),
    # An int and an array apart: NumPy puts the advanced axes first.
    "get_item[advanced_apart]": (lambda o, x: o.get_item(x, (0, slice(None), [1, 2])),
                                 lambda x: x[0, :, [1, 2]], [_f(2, 3, 4)], True),
    "get_item[index_tensor]": (lambda o, x, i: o.get_item(x, (slice(None), i)),
                               lambda x, i: x[:, i], [_f(3, 4), np.array([3, -4, 1], np.int32)],
                               False),
    "get_item[int_input]": (lambda o, x: o.get_item(x, (slice(None, None, -1), 0)),
                            lambda x: x[::-1, 0], [np.arange(12, dtype=np.int32).reshape(4, 3)],
                            False),
    "slice": (lambda o, x: o.slice(x, (1, 0), (2, 3)), lambda x: x[1:3, 0:3], [_f(4, 5)], True),
    "slice[rest_of_axis]": (lambda o, x: o.slice(x, [1, 2, 0], (-1, 1, -1)),
                            lambda x: _dynamic_slice(x, [1, 2, 0], (-1, 1, -1)), [_f(3, 4, 2)],
                            True),
    "slice[start_moved_back]": (lambda o, x: o.slice(x, np.array([3, 4]), (2, 2)),
                                lambda x: _dynamic_slice(x, [3, 4], (2, 2)), [_f(4, 5)], True),
}
