"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/elementwise_math.py."""

import numpy as np

_rng = np.random.default_rng(36)


def _u(lo, hi, *shape):
    return _rng.uniform(lo, hi, size=shape)


def _quiet(fn):
    """A NumPy reference without its warnings for the IEEE cases the line checks."""
    def ref(*xs):
        with np.errstate(all="ignore"):
            return fn(*xs)
    return ref


def _f64(fn):
    """The reference in float64 of float32 inputs (the call casts them up too)."""
    return lambda *xs: fn(*(x.astype(np.float64) for x in xs))


# Negatives, exact multiples, halves, signed zeros, large and non-finite values.
_EDGES = np.array([[-3.5, -3.0, -2.5, -0.7, -0.0, 0.0], [0.3, 1.0, 2.5, 7.0, 1e30, -1e30],
                   [np.inf, -np.inf, np.nan, 4194304.5, -8388609.0, 1e-30]])
_INF_NAN = np.array([[np.inf, -np.inf, np.nan, 0.5, -0.0, 0.0]])
# Divisors against _EDGES's rows (broadcast): signs, 0.1 (7 // 0.1 = 69), zero, inf.
_DIVISORS = np.array([[2.0, -2.0, 0.1, -0.1, 0.0, np.inf]])
_MASK = np.array([[True, False, True], [False, True, False]])
_NAN_INF = np.array([[np.nan, 1.5, np.inf], [-0.0, np.nan, -np.inf]])
_ZERO_ISH = np.array([[-0.0, 2.0, -np.inf], [np.inf, -0.0, 0.0]])


def _unary(name, lo, hi, edge_ref=None):
    """A smooth line on (lo, hi), a float64 line, and the edge values (no gradient there)."""
    ref = getattr(np, name)
    call = lambda o, x: getattr(o, name)(x)  # noqa: E731
    return {
        name: (call, ref, [_u(lo, hi, 3, 4)], True),
        f"{name}[float64]": (lambda o, x: getattr(o, name)(o.cast(x, "float64")), _f64(ref),
                             [_u(lo, hi, 2, 3)], False),
        f"{name}[edges]": (call, _quiet(ref), [_EDGES], False),
    }


TABLE = {}
for _name, _lo, _hi in [("sin", -4, 4), ("cos", -4, 4), ("tan", -1.4, 1.4), ("arcsin", -0.9, 0.9),
                        ("arccos", -0.9, 0.9), ("arctan", -5, 5), ("sinh", -3, 3),
                        ("cosh", -3, 3), ("arcsinh", -5, 5), ("arccosh", 1.1, 5),
                        ("arctanh", -0.9, 0.9), ("log1p", -0.9, 5), ("expm1", -3, 3)]:
    TABLE.update(_unary(_name, _lo, _hi))

TABLE.update({
    "log1p[tiny]": (lambda o, x: o.log1p(x), np.log1p, [_u(-1e-6, 1e-6, 2, 3)], False),
    "expm1[tiny]": (lambda o, x: o.expm1(x), np.expm1, [_u(-1e-6, 1e-6, 2, 3)], False),
    # Rounding: no gradient (Keras-JAX's is zero), so value lines only.
    "floor": (lambda o, x: o.floor(x), np.floor, [_EDGES], False),
    "floor[float64]": (lambda o, x: o.floor(o.cast(x, "float64")), _f64(np.floor), [_EDGES],
                       False),
    "floor[int]": (lambda o, x: o.floor(x), lambda x: np.floor(x).astype(np.float32),
                   [np.array([-3, 0, 5], np.int32)], False),
    "ceil": (lambda o, x: o.ceil(x), np.ceil, [_EDGES], False),
    "ceil[float64]": (lambda o, x: o.ceil(o.cast(x, "float64")), _f64(np.ceil), [_EDGES], False),
    "trunc": (lambda o, x: o.trunc(x), np.trunc, [_EDGES], False),
    "trunc[int]": (lambda o, x: o.trunc(x), np.trunc, [np.array([-3, 0, 5], np.int32)], False),
    # power: a positive base for the gradient in both operands; a square of any base
    # (zero included: both gradients 0 there); C's edge values.
    "power": (lambda o, a, b: o.power(a, b), np.power, [_u(0.3, 3, 3, 4), _u(-2, 2, 4)], True),
    "power[square]": (lambda o, x: o.power(x, 2.0), np.square,
                      [np.array([[-1.5, 0.0, 0.7], [2.0, -0.3, 0.0]])], True),
    "power[zero_base]": (lambda o, a: o.power(0.0, a), lambda a: np.power(np.float32(0), a),
                         [np.array([[0.5, 2.0, 3.0], [1.0, 0.7, 4.0]])], True),
    "power[edges]": (lambda o, a, b: o.power(a, b), _quiet(np.power),
                     [_EDGES, np.array([[0.0], [-1.0], [0.5]])], False),
    "power[float64]": (lambda o, a, b: o.power(o.cast(a, "float64"), b), _f64(np.power),
                       [_u(0.3, 3, 2, 3), _u(-2, 2, 2, 3)], False),
    "arctan2": (lambda o, a, b: o.arctan2(a, b), np.arctan2, [_u(-2, 2, 3, 4), _u(-2, 2, 3, 1)],
                True),
    "arctan2[edges]": (lambda o, a, b: o.arctan2(a, b), np.arctan2,
                       [np.array([[0.0, -0.0, 0.0, -0.0, 1.0, -np.inf]]),
                        np.array([[0.0, 0.0, -0.0, -0.0, -np.inf, np.inf]])], False),
    "arctan2[float64]": (lambda o, a, b: o.arctan2(o.cast(a, "float64"), b), _f64(np.arctan2),
                         [_u(-2, 2, 2, 3), _u(-2, 2, 2, 3)], False),
    # mod / floor_divide: away from the jumps for the gradient (x1 / x2 off the integers).
    "mod": (lambda o, a, b: o.mod(a, b),
            np.mod, [np.array([[-5.3, -1.2, 0.4], [2.6, 7.1, -3.3]]),
                     np.array([[2.0, -1.5, 0.7]])], True),
    "mod[edges]": (lambda o, a, b: o.mod(a, b), _quiet(np.mod), [_EDGES, _DIVISORS], False),
    "mod[float64]": (lambda o, a, b: o.mod(o.cast(a, "float64"), b), _quiet(_f64(np.mod)),
                     [_EDGES, _DIVISORS], False),
    "fmod": (lambda o, a, b: o.fmod(a, b), np.fmod,
             [np.array([[-5.3, -1.2, 0.4], [2.6, 7.1, -3.3]]), np.array([[2.0, -1.5, 0.7]])],
             True),
    "fmod[edges]": (lambda o, a, b: o.fmod(a, b), _quiet(np.fmod), [_EDGES, _DIVISORS], False),
    "floor_divide": (lambda o, a, b: o.floor_divide(a, b), _quiet(np.floor_divide),
                     [_EDGES, _DIVISORS], False),
    "floor_divide[float64]": (lambda o, a, b: o.floor_divide(o.cast(a, "float64"), b),
                              _quiet(_f64(np.floor_divide)), [_EDGES, _DIVISORS], False),
    "floor_divide[scalar]": (lambda o, a: o.floor_divide(a, 0.1),
                             lambda a: np.floor_divide(a, np.float32(0.1)),
                             [np.array([7.0, -7.0, 0.3, 1.0, 0.0])], False),
    # where: a constant mask (a perturbed one would flip), broadcasting operands, and the
    # branch not taken holding NaN or inf, or the taken one -0.0.
    "where": (lambda o, a, b: o.where(_MASK, a, b),
              lambda a, b: np.where(_MASK, a, b), [_u(-2, 2, 2, 3), _u(-2, 2, 3)], True),
    "where[column]": (lambda o, a, b: o.where(_MASK[:, :1], a, b),
                      lambda a, b: np.where(_MASK[:, :1], a, b), [_u(-2, 2, 1, 3),
                                                                  _u(-2, 2, 2, 1)], True),
    "where[nan_inf]": (lambda o, a, b: o.where(_MASK, a, b),
                       lambda a, b: np.where(_MASK, a, b), [_ZERO_ISH, _NAN_INF], False),
    "where[bool_input]": (lambda o, c, a: o.where(c, a, -0.0),
                          lambda c, a: np.where(c, a, np.float32(-0.0)), [_MASK, _NAN_INF],
                          False),
    "where[float_condition]": (lambda o, c, a: o.where(c, a, 2.0),
                               lambda c, a: np.where(c, a, np.float32(2.0)),
                               [np.array([[0.0, -0.0, np.nan], [1.0, -3.0, 0.0]]), _NAN_INF],
                               False),
    "where[float64]": (lambda o, a, b: o.where(_MASK, o.cast(a, "float64"), b),
                       _f64(lambda a, b: np.where(_MASK, a, b)), [_INF_NAN[:, :3], _NAN_INF],
                       False),
})
