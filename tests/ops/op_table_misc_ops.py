"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/misc_ops.py. nonzero has no
line (its output shape depends on the values, so it cannot be traced): tests/ops/
test_misc_ops.py checks it eagerly and checks the traced refusal."""

import numpy as np

_rng = np.random.default_rng(68)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


# Every int32 corner for the shifts: signs, the extremes, values that wrap when shifted.
_INTS = np.array([-9, -5, -1, 0, 1, 5, 100, 2 ** 31 - 1, -2 ** 31], np.int32)
# Shifts inside the bit width, at its edge, past it and negative (0 / sign fill, as JAX).
_SHIFTS = np.array([0, 1, 3, 30, 31, 32, 33, -1, 7], np.int32)
_INT64 = np.array([-(2 ** 40) - 3, -7, 0, 9, 2 ** 45 + 1], np.int64)
_SHIFTS64 = np.array([3, 63, 64, -2, 20], np.int64)
# Flat indices in range, one past the end, -1 (the last) and far before the start.
_FLAT = np.array([0, 5, 11, 12, -1, -13, 100], np.int32)


def _unravel_jax(i, shape):
    """jax.numpy.unravel_index: negative indices from the end, the rest clipped."""
    size = int(np.prod(shape))
    fixed = np.where(i < 0, i + size, i)
    fixed = np.where(fixed < 0, 0, np.minimum(fixed, size - 1))
    return np.stack(np.unravel_index(fixed, shape))


def _space_to_depth(x):
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(
        b, h // 2, w // 2, c * 4)


# name: (call(ops, *inputs), reference(*inputs), inputs, differentiable)
TABLE = {
    "rearrange": (lambda o, x: o.rearrange(x, "b h w c -> b c h w"),
                  lambda x: x.transpose(0, 3, 1, 2), [_f(2, 3, 4, 5)], True),
    "rearrange[merge]": (lambda o, x: o.rearrange(x, "b h w c -> h (b w) c"),
                         lambda x: x.transpose(1, 0, 2, 3).reshape(3, 8, 5), [_f(2, 3, 4, 5)],
                         True),
    "rearrange[split]": (lambda o, x: o.rearrange(x, "b (h h1) (w w1) c -> b h w (c h1 w1)",
                                                  h1=2, w1=2),
                         _space_to_depth, [_f(2, 4, 6, 3)], True),
    "rearrange[ellipsis]": (lambda o, x: o.rearrange(x, "a ... c -> c (...) a"),
                            lambda x: x.transpose(3, 1, 2, 0).reshape(5, 12, 2),
                            [_f(2, 3, 4, 5)], True),
    "dtype": (lambda o, x, i: o.add(o.cast(x, o.dtype(i)), i),
              lambda x, i: x.astype(np.int32) + i, [np.array([1.0, -2.0, 3.0]), _INTS[:3]],
              False),
    "unravel_index": (lambda o, i: o.stack(o.unravel_index(i, (3, 4))),
                      lambda i: _unravel_jax(i, (3, 4)), [_FLAT], False),
    "unravel_index[3d]": (lambda o, i: o.stack(o.unravel_index(i, (2, 3, 4))),
                          lambda i: _unravel_jax(i, (2, 3, 4)), [_FLAT * 2], False),
    "left_shift": (lambda o, x, s: o.left_shift(x, s), np.left_shift, [_INTS, _SHIFTS], False),
    "left_shift[scalar]": (lambda o, x: o.left_shift(x, 3), lambda x: np.left_shift(x, 3),
                           [_INTS], False),
    "left_shift[int64]": (lambda o, x, s: o.left_shift(x, s), np.left_shift, [_INT64, _SHIFTS64],
                          False),
    "bitwise_left_shift": (lambda o, x, s: o.bitwise_left_shift(x, s), np.left_shift,
                           [_INTS, _SHIFTS[::-1]], False),
    "right_shift": (lambda o, x, s: o.right_shift(x, s), np.right_shift, [_INTS, _SHIFTS],
                    False),
    "right_shift[int64]": (lambda o, x, s: o.right_shift(x, s), np.right_shift,
                           [_INT64, _SHIFTS64], False),
    "bitwise_right_shift": (lambda o, x, s: o.bitwise_right_shift(x, s), np.right_shift,
                            [_INTS, _SHIFTS[::-1]], False),
    "vectorize": (lambda o, x, y: o.vectorize(lambda a, b: a * o.sin(b) + b)(x, y),
                  lambda x, y: x * np.sin(y) + y, [_f(3, 1), _f(4)], True),
    "vectorize[signature]": (
        lambda o, m, v: o.vectorize(lambda a, b: o.matmul(a, b), signature="(m,n),(n)->(m)")(m, v),
        lambda m, v: m @ v, [_f(2, 3, 4), _f(4)], True),
    "jvp": (lambda o, x, t: o.jvp(o.sin, (x,), (t,))[1], lambda x, t: np.cos(x) * t,
            [_f(2, 3), _f(2, 3)], True),
    "jvp[primals_out]": (lambda o, x, t: o.jvp(lambda a: o.exp(a) / (1 + a * a), (x,), (t,))[0],
                         lambda x, t: np.exp(x) / (1 + x * x), [_f(2, 3), _f(2, 3)], True),
    "jvp[two_args]": (lambda o, x, y, tx, ty: o.jvp(lambda a, b: o.matmul(a, b) * a[:, :1],
                                                    (x, y), (tx, ty))[1],
                      lambda x, y, tx, ty: (tx @ y + x @ ty) * x[:, :1] + (x @ y) * tx[:, :1],
                      [_f(2, 3), _f(3, 4), _f(2, 3), _f(3, 4)], True),
}
