"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/control_flow.py."""

import numpy as np

_rng = np.random.default_rng(52)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


def _assoc_ref(x, combine, axis=0, reverse=False):
    """The sequential inclusive scan [a, f(a, b), f(f(a, b), c), ...] along axis."""
    x = np.moveaxis(np.flip(x, axis) if reverse else x, axis, 0)
    out = [x[0]]
    for row in x[1:]:
        out.append(combine(out[-1], row))
    out = np.moveaxis(np.stack(out), 0, axis)
    return np.flip(out, axis) if reverse else out


def _fori_ref(x):
    s = x.copy()
    for i in range(2, 6):
        s = np.sin(s) * x + i
    return s


def _while_ref(x):
    s = x.copy()
    for _ in range(6):  # maximum_iterations
        if not np.sum(s * s) < 40:
            break
        s = s * 1.5 + 0.25
    return s


def _clipped_exp(o):
    @o.custom_gradient
    def f(v):
        y = o.exp(v)
        return y, lambda up: up * y  # the true gradient: checked by finite differences
    return f


_P = np.array(True)
_Q = np.array(False)
_IDX = np.array(1, np.int32)
_IDX_HIGH = np.array(9, np.int32)

TABLE = {
    "cond": (lambda o, x: o.cond(True, lambda: x * 2.0, lambda: o.exp(x)),
             lambda x: x * 2, [_f(3, 2)], True),
    "cond[traced_true]": (lambda o, x, p: o.cond(p, lambda: o.sin(x), lambda: x * x),
                          lambda x, p: np.sin(x), [_f(4), _P], True),
    "cond[traced_false_nested]": (
        lambda o, x, p: o.cond(p, lambda: (x, {"a": x * 3.0}), lambda: (x * x, {"a": -x}))[1]["a"],
        lambda x, p: -x, [_f(2, 3), _Q], True),
    "cond[inf_not_taken]": (lambda o, x, p: o.cond(p, lambda: o.log(x - x - 1.0), lambda: x + 1.0),
                            lambda x, p: x + 1, [_f(5), _Q], False),
    "switch": (lambda o, x: o.switch(-4, [lambda v: v * 2.0, lambda v: o.tanh(v)], x),
               lambda x: x * 2, [_f(3)], True),
    "switch[traced]": (lambda o, x, i: o.switch(i, [lambda v: v * 2.0, lambda v: o.tanh(v),
                                                    lambda v: -v], x),
                       lambda x, i: np.tanh(x), [_f(3, 2), _IDX], False),
    "switch[traced_clipped]": (lambda o, x, i: o.switch(i, [lambda v: v * 2.0, lambda v: -v], x),
                               lambda x, i: -x, [_f(4), _IDX_HIGH], False),
    "fori_loop": (lambda o, x: o.fori_loop(2, 6, lambda i, s: o.add(o.sin(s) * x, i), x),
                  _fori_ref, [_f(3)], True),
    "fori_loop[empty]": (lambda o, x: o.fori_loop(3, 3, lambda i, s: s * 0.0, x),
                         lambda x: x, [_f(2)], True),
    "while_loop": (lambda o, x: o.while_loop(lambda s: o.sum(s * s) < 40.0,
                                             lambda s: s * 1.5 + 0.25, x, maximum_iterations=6),
                   _while_ref, [_f(3) * 0.5], True),
    "while_loop[tuple]": (lambda o, x, y: o.while_loop(
        lambda a, b: o.sum(a) < 100.0, lambda a, b: (a + b * b, b * 0.5), (x, y),
        maximum_iterations=3)[0],
        lambda x, y: x + y * y + (y * .5) ** 2 + (y * .25) ** 2, [_f(2), _f(2)], True),
    "map": (lambda o, x: o.map(lambda r: o.sum(r * r) * r, x),
            lambda x: np.sum(x * x, 1, keepdims=True) * x, [_f(4, 3)], True),
    "map[tuple_dict]": (lambda o, x, y: o.map(lambda r: {"s": r[0] * r[1], "t": r[0]}, (x, y))["s"],
                        lambda x, y: x * y, [_f(3, 2), _f(3, 2)], True),
    "vectorized_map": (lambda o, x, w: o.vectorized_map(lambda r: o.matmul(r[0], r[1]), [x, w]),
                       lambda x, w: np.einsum("bij,bjk->bik", x, w),
                       [_f(3, 2, 4), _f(3, 4, 2)], True),
    "associative_scan": (lambda o, x: o.associative_scan(lambda a, b: a + b, x),
                         np.cumsum, [_f(7)], True),
    "associative_scan[reverse_matmul]": (
        lambda o, x: o.associative_scan(lambda a, b: o.matmul(a, b), x, reverse=True),
        lambda x: _assoc_ref(x, np.matmul, reverse=True), [_f(5, 2, 2) * 0.8], True),
    "associative_scan[axis-1_max]": (
        lambda o, x: o.associative_scan(lambda a, b: o.maximum(a, b), x, axis=-1),
        lambda x: np.maximum.accumulate(x, axis=-1), [_f(3, 6)], False),
    "associative_scan[pair]": (
        lambda o, x, y: o.associative_scan(lambda a, b: (a[0] * b[0], a[1] * b[0] + b[1]),
                                           (x, y), axis=1)[1],
        lambda x, y: _assoc_ref(np.stack([x, y], -1),
                                lambda a, b: np.stack([a[..., 0] * b[..., 0],
                                                       a[..., 1] * b[..., 0] + b[..., 1]], -1),
                                axis=1)[..., 1],
        [_f(2, 5), _f(2, 5)], True),
    "custom_gradient": (lambda o, x: _clipped_exp(o)(x), np.exp, [_f(3, 2)], True),
}
