"""Sample inputs for every primitive: used by the backend-agreement and VJP tests.

Each case is (inputs, attrs). Inputs stay away from points where a primitive is not
differentiable (0 for relu/abs, ties for max, clip edges for the losses), so that finite
differences are meaningful."""

import numpy as np

_rng = np.random.default_rng(1234)


def _f(*shape, lo=-2.0, hi=2.0):
    return _rng.uniform(lo, hi, size=shape)


def _away_from_zero(*shape):
    x = _f(*shape)
    return np.where(np.abs(x) < 0.1, 0.5, x)


def _pos(*shape):
    return _f(*shape, lo=0.2, hi=3.0)


def _probs(*shape):
    return _f(*shape, lo=0.05, hi=0.95)


def _labels(*shape, classes):
    return _rng.integers(0, classes, size=shape).astype(np.int32)


def _binary(*shape):
    return (_rng.random(shape) > 0.5).astype(np.float64)


def _onehot(n, c):
    return np.eye(c)[_rng.integers(0, c, n)]


UNARY_SHAPES = [(7,), (3, 5), (2, 3, 4), ()]

CASES = {}

for name in ("negative", "exp", "square", "sigmoid", "tanh", "erf"):
    CASES[name] = [([_f(*s)], {}) for s in UNARY_SHAPES]
for name in ("relu", "abs", "sign"):
    CASES[name] = [([_away_from_zero(*s)], {}) for s in UNARY_SHAPES]
for name in ("log", "sqrt"):
    CASES[name] = [([_pos(*s)], {}) for s in UNARY_SHAPES]
for name in ("relu_grad", "sigmoid_grad", "tanh_grad"):
    CASES[name] = [([_away_from_zero(*s), _f(*s)], {}) for s in UNARY_SHAPES[:3]]

BROADCAST_PAIRS = [((4, 5), (4, 5)), ((4, 5), (5,)), ((5,), (4, 5)), ((4, 1), (1, 5)),
                   ((2, 3, 4), (3, 1)), ((3, 4), ()), ((), (3, 4)), ((2, 1, 4), (2, 3, 1))]
for name in ("add", "subtract", "multiply"):
    CASES[name] = [([_f(*a), _f(*b)], {}) for a, b in BROADCAST_PAIRS]
CASES["divide"] = [([_f(*a), _pos(*b)], {}) for a, b in BROADCAST_PAIRS]
for name in ("equal", "greater"):
    CASES[name] = [([np.round(_f(*a)), np.round(_f(*b))], {}) for a, b in BROADCAST_PAIRS] + \
        [([_labels(6, classes=3), _labels(6, classes=3)], {})]

CASES["matmul"] = [
    ([_f(*sa), _f(*sb)], {"transpose_a": ta, "transpose_b": tb})
    for (sa, sb, ta, tb) in [((3, 4), (4, 5), False, False), ((4, 3), (4, 5), True, False),
                             ((3, 4), (5, 4), False, True), ((4, 3), (5, 4), True, True),
                             ((33, 65), (65, 17), False, False), ((1, 7), (7, 1), False, False)]]
_bmm_rng = np.random.default_rng(11)  # its own draws: later cases keep their inputs
CASES["batch_matmul"] = [
    ([_bmm_rng.uniform(-2, 2, sa), _bmm_rng.uniform(-2, 2, sb)], {"transpose_a": ta, "transpose_b": tb})
    for (sa, sb, ta, tb) in [((2, 3, 4), (2, 4, 5), False, False), ((3, 4, 3), (3, 4, 5), True, False),
                             ((2, 3, 4), (2, 5, 4), False, True), ((1, 4, 3), (1, 5, 4), True, True),
                             ((4, 9, 17), (4, 17, 9), False, False)]]
CASES["bias_add"] = [([_f(4, 5), _f(5)], {}), ([_f(2, 3, 4), _f(4)], {}), ([_f(6), _f(6)], {})]
for name in ("softmax", "log_softmax"):
    CASES[name] = [([_f(4, 6)], {"axis": -1}), ([_f(3, 4, 5)], {"axis": 1}),
                   ([_f(5)], {"axis": 0})]
CASES["softmax_grad"] = [([_probs(4, 6), _f(4, 6)], {"axis": -1}),
                         ([_probs(3, 4, 5), _f(3, 4, 5)], {"axis": 1})]
CASES["log_softmax_grad"] = [([-_pos(4, 6), _f(4, 6)], {"axis": -1}),
                             ([-_pos(3, 4, 5), _f(3, 4, 5)], {"axis": 0})]

REDUCE_CASES = [((4, 5), None, False), ((4, 5), (0,), False), ((4, 5), (1,), True),
                ((2, 3, 4), (0, 2), False), ((2, 3, 4), (1,), True), ((2, 3, 4, 5), (1, 3), False),
                ((6,), (0,), False), ((), None, False)]
for name in ("sum", "mean"):
    CASES[name] = [([_f(*s)], {"axes": a, "keepdims": k}) for s, a, k in REDUCE_CASES]
CASES["max"] = [([_rng.permutation(int(np.prod(s))).reshape(s) * 0.1 - 1.0], {"axes": a, "keepdims": k})
                for s, a, k in REDUCE_CASES]
CASES["argmax"] = [([_f(4, 5)], {"axis": -1}), ([_f(2, 3, 4)], {"axis": 1}), ([_f(7)], {"axis": 0})]

CASES["reshape"] = [([_f(3, 4)], {"shape": (2, 6)}), ([_f(2, 3, 4)], {"shape": (-1, 4)}),
                    ([_f(5)], {"shape": (5, 1)})]
CASES["transpose"] = [([_f(3, 4)], {"perm": None}), ([_f(2, 3, 4)], {"perm": (1, 2, 0)}),
                      ([_f(2, 3, 4, 5)], {"perm": (0, 2, 1, 3)})]
CASES["broadcast_to"] = [([_f(1, 4)], {"shape": (3, 4)}), ([_f(4)], {"shape": (2, 3, 4)}),
                         ([_f(3, 1)], {"shape": (2, 3, 5)}), ([_f()], {"shape": (2, 2)})]
CASES["concatenate"] = [([_f(2, 3), _f(4, 3)], {"axis": 0}), ([_f(2, 3), _f(2, 1), _f(2, 2)], {"axis": -1}),
                        ([_f(2, 3, 4), _f(2, 2, 4)], {"axis": 1})]
CASES["slice"] = [([_f(5, 3)], {"axis": 0, "start": 1, "stop": 4}),
                  ([_f(2, 6, 3)], {"axis": 1, "start": 2, "stop": 6}),
                  ([_f(4, 7)], {"axis": -1, "start": 0, "stop": 0})]
CASES["pad"] = [([_f(3, 2)], {"axis": 0, "before": 1, "after": 2}),
                ([_f(2, 3, 4)], {"axis": 2, "before": 0, "after": 3})]
# maximum/minimum: independent draws (no ties for finite differences to straddle), one
# case broadcasting each side.
CASES["maximum"] = [([_f(3, 4), _f(3, 4) + 0.3], {}), ([_f(2, 3), _f(3) - 0.25], {})]
CASES["minimum"] = [([_f(3, 4), _f(3, 4) - 0.3], {}), ([_f(3), _f(2, 3) + 0.25], {})]
CASES["take"] = [([_f(6, 3), _labels(4, classes=6)], {}), ([_f(5, 2, 2), _labels(2, 3, classes=5)], {}),
                 ([_f(4), _labels(7, classes=4)], {}),
                 ([_f(5, 2), np.array([-1, 0, -5, 4, -1], np.int32)], {})]  # NumPy: from the end
CASES["scatter_add"] = [([_f(7, 3), _labels(7, classes=4)], {"rows": 4}),
                        ([_f(2, 3, 2), _labels(2, 3, classes=5)], {"rows": 5}),
                        ([_f(4, 2), np.array([-1, 3, -4, 0], np.int32)], {"rows": 4})]
CASES["cast"] = [([_f(3, 4) * 3], {"dtype": d}) for d in ("float64", "float32", "int32", "int64", "bool")] + \
    [([_labels(5, classes=4)], {"dtype": "float32"})]

CASES["binary_crossentropy"] = [([_binary(6, 1), _probs(6, 1)], {"from_logits": False}),
                                ([_binary(4, 3), _f(4, 3)], {"from_logits": True}),
                                ([_binary(2, 3, 2), _probs(2, 3, 2)], {"from_logits": False})]
CASES["categorical_crossentropy"] = [([_onehot(5, 4), _pos(5, 4)], {"from_logits": False}),
                                     ([_onehot(5, 4), _f(5, 4)], {"from_logits": True})]
CASES["sparse_categorical_crossentropy"] = [([_labels(5, classes=4), _pos(5, 4)], {"from_logits": False}),
                                            ([_labels(5, classes=4), _f(5, 4)], {"from_logits": True}),
                                            ([_labels(2, 3, classes=3), _f(2, 3, 3)], {"from_logits": True})]
CASES["mean_squared_error"] = [([_f(6, 1), _f(6, 1)], {}), ([_f(4, 3), _f(4, 3)], {})]
CASES["mean_absolute_error"] = [([_f(6, 1), _f(6, 1) + 3.0], {}), ([_f(4, 3) - 3.0, _f(4, 3)], {})]
for loss in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
             "mean_squared_error", "mean_absolute_error"):
    CASES[loss + "_grad"] = [(ins + [_f(*ins[1].shape[:-1])], attrs) for ins, attrs in CASES[loss]]


CASES["dense"] = [([_f(5, 4), _f(4, 3), _f(3)], {"activation": a}) for a in ("linear", "relu", "sigmoid", "tanh")] + \
    [([_f(33, 65), _f(65, 17), _f(17)], {"activation": "relu"})]
CASES["matmul_act_grad"] = [
    ([_f(*sa), _f(*sb), _away_from_zero(*out) if act != "sigmoid" else _probs(*out)],
     {"transpose_a": ta, "transpose_b": tb, "activation": act})
    for sa, sb, out, ta, tb, act in [((3, 4), (5, 4), (3, 5), False, True, "relu"),
                                     ((4, 3), (4, 5), (3, 5), True, False, "tanh"),
                                     ((6, 7), (7, 2), (6, 2), False, False, "sigmoid"),
                                     ((2, 9), (9, 4), (2, 4), False, False, "linear"),
                                     ((32, 64), (1, 64), (32, 1), False, True, "relu")]]
CASES["binary_crossentropy_sigmoid_grad"] = [([_binary(6, 1), _probs(6, 1), _f(6)], {}),
                                             ([_binary(4, 3), _probs(4, 3), _f(4)], {})]


def _softmax_rows(*shape):
    e = np.exp(_f(*shape))
    return e / e.sum(axis=-1, keepdims=True)


CASES["categorical_crossentropy_softmax_grad"] = [([_onehot(5, 4), _softmax_rows(5, 4), _f(5)], {})]
CASES["sparse_categorical_crossentropy_softmax_grad"] = [
    ([_labels(5, classes=4), _softmax_rows(5, 4), _f(5)], {}),
    ([_labels(2, 3, classes=3), _softmax_rows(2, 3, 3), _f(2, 3)], {})]


def _lr():
    return np.array(0.01)


CASES["sgd_update"] = [([_f(4, 3), _f(4, 3), _lr()], {})]
CASES["sgd_momentum_update"] = [([_f(4, 3), _f(4, 3), _f(4, 3), _lr()], {"momentum": 0.9, "nesterov": n})
                                for n in (False, True)]
CASES["adam_update"] = [([_f(4, 3), _f(4, 3), _f(4, 3) * 0.1, _pos(4, 3) * 0.01, _lr(),
                          np.array(it, dtype=np.int64)], {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7})
                        for it in (0, 41)] + [
    # The folded options: a clip that scales (norm > 0.5) and one that does not, with
    # decoupled weight decay. Their own generator keeps the shared draws of later cases.
    ([r.uniform(-2, 2, (4, 3)), r.uniform(-2, 2, (4, 3)), r.uniform(-0.2, 0.2, (4, 3)),
      r.uniform(0.001, 0.02, (4, 3)), _lr(), np.array(3, dtype=np.int64)],
     {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "global_clipnorm": c, "weight_decay": 0.004})
    for r, c in ((np.random.default_rng(7), 0.5), (np.random.default_rng(8), 100.0))]
CASES["increment"] = [([np.array(5, dtype=np.int64)], {})]
CASES["accumulate"] = [([np.array(1.5), _f(4, 3)], {}), ([np.array(0.0), _f()], {})]
CASES["assign"] = [([_f(3, 2), _f(3, 2)], {}), ([_labels(4, classes=9), _labels(4, classes=9)], {})]

# elementwise_program: a multi-output chain over a full input, a bias row (periodic), a
# column (general broadcast) and a scalar (splat); then a bool input, bool results and a
# bool output, consts and casts. Longer than one block (2 KiB of floats) to cross blocks.
_F32 = "float32"
CASES["elementwise_program"] = [
    ([_f(3, 700), _f(700), _f(3, 1), _f()],
     {"program": (("multiply", (0, 1), _F32), ("const", (0.5,), _F32), ("add", (4, 5), _F32),
                  ("tanh", (6,), _F32), ("subtract", (7, 2), _F32), ("divide", (8, 3), _F32),
                  ("exp", (9,), _F32), ("sigmoid", (6,), _F32), ("multiply", (10, 11), _F32)),
      "outputs": (12, 6, 7), "shape": (3, 700)}),
    ([_f(5, 4), (_f(5, 4) > 0)],
     {"program": (("const", (0.0,), _F32), ("greater", (0, 2), "bool"), ("cast", (3,), _F32),
                  ("cast", (1,), _F32), ("multiply", (4, 5), _F32), ("equal", (6, 2), "bool"),
                  ("maximum", (0, 2), _F32), ("minimum", (8, 6), _F32), ("abs", (0,), _F32),
                  ("sqrt", (10,), _F32), ("log", (11,), _F32), ("sign", (0,), _F32),
                  ("relu", (0,), _F32), ("relu_grad", (0, 13), _F32), ("square", (12,), _F32),
                  ("negative", (16,), _F32), ("sigmoid_grad", (9, 17), _F32),
                  ("tanh_grad", (9, 18), _F32), ("cast", (0,), "bool")),
      "outputs": (19, 7, 15, 20), "shape": (5, 4)}),
]



def _rnn_body(steps_dtype="float64", batch=2, features=3, units=2):
    """h' = tanh(x_t @ W + h @ U + b), y = h' * 2: the body of a scan case, traced once."""
    from fastkeras.graph import Graph, bind
    from fastkeras.graph.primitives.scan import trace_body
    outer = Graph("scan_case")
    with outer:
        w = outer.placeholder((features, units), steps_dtype)
        u = outer.placeholder((units, units), steps_dtype)
        b = outer.placeholder((units,), steps_dtype)

    def cell(carries, xs):
        (h,), (x,) = carries, xs
        z = bind("add", bind("add", bind("matmul", x, w), bind("matmul", h, u)), b)
        h2 = bind("tanh", z)
        return [h2], [bind("multiply", h2, 2.0)]
    return trace_body(cell, [((batch, units), steps_dtype)], [((batch, features), steps_dtype)],
                      outer)


# scan: inputs h0 (2, 2), xs (T, 2, 3), then the captures W (3, 2), U (2, 2), b (2,).
_RNN = _rnn_body()
CASES["scan"] = [([_f(2, 2), _f(4, 2, 3), _f(3, 2), _f(2, 2), _f(2)],
                  {"body": _RNN, "length": 4, "reverse": reverse}) for reverse in (False, True)]

# Inputs that stay float64 when the case is run in float32 (accumulators) or keep their
# integer dtype are handled by `as_dtype`.
KEEP_DTYPE = {("accumulate", 0)} | {("scan", i) for i in range(5)}  # a float64 body


def as_dtype(name, inputs, dtype):
    out = []
    for i, x in enumerate(inputs):
        x = np.asarray(x)
        if (name, i) in KEEP_DTYPE or x.dtype.kind in "iub":
            out.append(x.copy())
        else:
            out.append(x.astype(dtype))
    return out
CASES["random"] = [
    ([np.array(c, dtype=np.int64)], {"shape": s, "seed": seed, "stream": st, "distribution": d})
    for c, s, seed, st, d in [(0, (7,), 1, 0, "uniform"), (5, (33, 65), 123456789, 2, "uniform"),
                              (2 ** 40, (3, 4, 5), 2 ** 62 + 7, 1, "uniform"),
                              (1, (), 9, 0, "uniform"), (3, (17, 9), 42, 0, "normal")]] + [
    ([np.array(4, dtype=np.int64)], {"shape": (40, 33), "seed": 5, "stream": 1,
                                     "distribution": "dropout", "rate": r})
    for r in (0.0, 0.2, 0.5, 0.9)]
CASES["constrain"] = [
    ([_f(4, 3)], {"kind": "non_neg", "outer": 1, "reduce": 4, "inner": 3}),
    ([_f(4, 3)], {"kind": "max_norm", "outer": 1, "reduce": 4, "inner": 3, "max_value": 1.0}),
    ([_f(2, 3, 5)], {"kind": "unit_norm", "outer": 2, "reduce": 3, "inner": 5}),
    ([_f(5, 4)], {"kind": "min_max_norm", "outer": 5, "reduce": 4, "inner": 1, "max_value": 1.5,
                  "min_value": 0.5, "rate": 0.7}),
]
CASES["moments"] = [([_f(6, 5)], {}), ([_f(1, 3)], {}), ([_f(70, 130)], {})]

# max_pool: distinct values (no ties for finite differences to straddle); 1-, 2- and 3-D,
# overlapping windows, strides 1-3, padding before/after, batch 1. max_pool_grad: random
# argmax indices (repeats sum). Their own generator keeps the shared draws of earlier cases.
_pool_rng = np.random.default_rng(17)


def _distinct(*shape):
    return _pool_rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


_POOL_GEOMETRIES = [  # input shape, pool_size, strides, padding
    ((2, 5, 6, 3), (2, 2), (2, 2), ((0, 0), (0, 0))),
    ((1, 5, 5, 2), (3, 3), (2, 2), ((1, 1), (1, 1))),
    ((3, 7, 4), (3,), (1,), ((0, 0),)),
    ((2, 8, 1), (2,), (3,), ((1, 0),)),
    ((1, 4, 5, 2), (1, 2), (1, 1), ((0, 0), (0, 1))),
    ((1, 3, 4, 3, 2), (2, 2, 2), (1, 2, 1), ((0, 0), (0, 0), (0, 1))),
]
CASES["max_pool"] = [([_distinct(*shape)], {"pool_size": k, "strides": s, "padding": p})
                     for shape, k, s, p in _POOL_GEOMETRIES]


def _argmax(*shape, size):
    return _pool_rng.integers(0, size, shape).astype(np.int32)


CASES["max_pool_grad"] = [
    ([_pool_rng.uniform(-2, 2, (2, 3, 3, 3)), _argmax(2, 3, 3, 3, size=30)], {"spatial": (5, 6)}),
    ([_pool_rng.uniform(-2, 2, (3, 5, 4)), _argmax(3, 5, 4, size=7)], {"spatial": (7,)}),
    ([_pool_rng.uniform(-2, 2, (1, 2, 2, 2, 2)), _argmax(1, 2, 2, 2, 2, size=36)],
     {"spatial": (3, 4, 3)}),
]


def _forward_argmax(shape, pool_size, strides, padding):
    """max_pool's argmax of a distinct input: with the windows given, the cpu kernel writes
    each (disjoint) window once instead of scattering."""
    from fastkeras.graph.primitive import get
    x = _distinct(*shape)
    return get("max_pool").reference(x, pool_size, strides, padding)[1]


CASES["max_pool_grad"] += [
    ([_pool_rng.uniform(-2, 2, (2, 3, 3, 3)), _forward_argmax((2, 6, 7, 3), k, s, p)],
     {"spatial": (6, 7), "pool_size": k, "strides": s, "padding": p})
    for k, s, p in [((2, 2), (2, 2), ((0, 0), (0, 0))), ((2, 3), (2, 3), ((0, 0), (1, 1)))]]

# Recurrent cells: (batch, units) from batch 1 and unit 1 to a multi-row, multi-vector
# width (37 units: no ISA's vector length divides it); their own draws.
_rnn_rng = np.random.default_rng(27)


def _cell(shape):
    return _rnn_rng.uniform(-2, 2, shape)


_CELL_SIZES = [(1, 1), (3, 4), (2, 37), (70, 5)]
CASES["lstm_cell"] = [([_cell((b, 4 * u)), _cell((b, 4 * u)), _cell((b, u))], {})
                      for b, u in _CELL_SIZES]
# The grads read activations: gates in (0, 1), tanh values in (-1, 1).
CASES["lstm_cell_grad"] = [([_rnn_rng.uniform(-0.95, 0.95, (b, 5 * u))] +
                            [_cell((b, u)) for _ in range(3)], {}) for b, u in _CELL_SIZES]
CASES["gru_cell"] = [([_cell((b, 3 * u)), _cell((b, 3 * u)), _cell((b, u))], {})
                     for b, u in _CELL_SIZES]
CASES["gru_cell_grad"] = [([_rnn_rng.uniform(0.05, 0.95, (b, 3 * u)), _cell((b, 3 * u)),
                            _cell((b, u)), _cell((b, u))], {}) for b, u in _CELL_SIZES]

# im2col / col2im: 1-, 2- and 3-D; kernels 1, 2, 3, 5; strides 1-3; dilation 2; 'same'
# (odd and even kernels, asymmetric), causal-style padding wider than the kernel; C 1, 2, 5;
# batch 1. col2im takes patches of the same geometries. Their own generator.
_window_rng = np.random.default_rng(37)
_WINDOW_GEOMETRIES = [  # input shape, kernel_size, strides, dilation, padding
    ((2, 5, 6, 3), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),
    ((1, 6, 5, 5), (2, 2), (1, 1), (1, 1), ((0, 1), (0, 1))),
    ((2, 7, 7, 1), (5, 5), (2, 3), (1, 1), ((2, 2), (1, 2))),
    ((1, 7, 6, 2), (3, 2), (1, 2), (2, 2), ((0, 0), (1, 0))),
    ((3, 9, 2), (3,), (3,), (1,), ((0, 0),)),
    ((2, 8, 5), (1,), (2,), (1,), ((0, 0),)),
    ((1, 10, 1), (4,), (1,), (2,), ((6, 0),)),
    ((1, 4, 5, 3, 2), (2, 3, 1), (1, 2, 1), (1, 1, 1), ((0, 1), (1, 1), (0, 0))),
    ((2, 5, 4, 4, 1), (2, 2, 2), (2, 1, 1), (2, 1, 1), ((1, 0), (0, 0), (0, 1))),
    ((1, 4, 7, 6), (2, 3), (1, 2), (2, 1), ((1, 1), (1, 1))),  # runs of 18: copied run by run
]


def _window_attrs(k, s, d, p):
    return {"kernel_size": k, "strides": s, "dilation": d, "padding": p}


def _patches_shape(shape, k, s, d, p):
    out = tuple((L + b + a - (di * (ki - 1) + 1)) // si + 1
                for L, ki, si, di, (b, a) in zip(shape[1:-1], k, s, d, p))
    return (shape[0],) + out + (int(np.prod(k)) * shape[-1],)


CASES["im2col"] = [([_window_rng.uniform(-2, 2, shape)], _window_attrs(k, s, d, p))
                   for shape, k, s, d, p in _WINDOW_GEOMETRIES]
CASES["col2im"] = [([_window_rng.uniform(-2, 2, _patches_shape(shape, k, s, d, p))],
                    dict(_window_attrs(k, s, d, p), spatial=shape[1:-1]))
                   for shape, k, s, d, p in _WINDOW_GEOMETRIES]
# stop_gradient: any dtype and rank passes through (bools and ints keep their dtype).
CASES["stop_gradient"] = [([_f(4, 3)], {}), ([np.array(2.5)], {}),
                          ([np.arange(-3, 3, dtype=np.int32).reshape(2, 3)], {}),
                          ([np.arange(5, dtype=np.int64)], {}), ([_f(2, 3) > 0], {})]
# custom_gradient: (arguments, then f's outputs) -> the outputs; the vjp attribute is the
# user's grad_fn (here d/dx of x**2 on the one argument; tests/ops/test_control_flow.py).
CASES["custom_gradient"] = [([_f(3), _f(3), _f(2, 2)], {"n_args": 1,
                                                       "vjp": lambda cots: [cots[0] * 2.0]})]

# graph/primitives/elementwise_math.py, on their own draws (earlier cases keep theirs): each
# unary op inside its domain; the binary ones over the broadcast layouts, mod's quotients
# away from the integers where it jumps, select's condition 0 or 1 with a NaN (true).
_math_rng = np.random.default_rng(77)


def _u(lo, hi, *shape):
    return _math_rng.uniform(lo, hi, size=shape)


for _name, _lo, _hi in [("sin", -4, 4), ("cos", -4, 4), ("tan", -1.2, 1.2), ("arcsin", -0.9, 0.9),
                        ("arccos", -0.9, 0.9), ("arctan", -4, 4), ("sinh", -3, 3),
                        ("cosh", -3, 3), ("arcsinh", -4, 4), ("arccosh", 1.2, 4),
                        ("arctanh", -0.9, 0.9), ("log1p", -0.8, 4), ("expm1", -3, 3),
                        ("floor", -5, 5), ("ceil", -5, 5)]:
    CASES[_name] = [([_u(_lo, _hi, *s)], {}) for s in UNARY_SHAPES]
CASES["power"] = [([_u(0.3, 3, *a), _u(-2, 2, *b)], {}) for a, b in BROADCAST_PAIRS]
CASES["arctan2"] = [([_u(-2, 2, *a), _u(-2, 2, *b)], {}) for a, b in BROADCAST_PAIRS]
_DIVIDEND = np.array([[-5.3, -1.2, 0.4, 2.6, 7.1], [-3.3, 0.9, -0.6, 4.4, -7.7]])
CASES["mod"] = [([_DIVIDEND, np.array([2.0, -1.5, 0.7, -0.35, 3.0])], {}),
                ([_DIVIDEND, np.array([[1.25], [-2.1]])], {}), ([_DIVIDEND[0], np.array(-0.45)], {})]
CASES["floor_divide"] = CASES["mod"]
CASES["select"] = [([np.where(_u(0, 1, *a) > 0.5, 1.0, 0.0), _u(-2, 2, *b)], {})
                   for a, b in BROADCAST_PAIRS] + [([np.array([np.nan, 0.0, 1.0]), _u(-2, 2, 3)], {})]

# graph/primitives/sorting.py: the first k, descending (lax.top_k's order), float rows of
# distinct values (the VJP test differentiates them) and integer rows with ties; own draws.
# NaN and signed zeros: tests/backends/test_sort_native.py, bit for bit.
_sort_rng = np.random.default_rng(49)
_TIES = _sort_rng.integers(-3, 4, (6, 9)).astype(np.int32)
CASES["sort"] = [([_sort_rng.uniform(-2, 2, (4, 7))], {}),
                 ([_sort_rng.uniform(-2, 2, (3, 8))], {"descending": True, "k": 3}),
                 ([_sort_rng.uniform(-2, 2, (2, 3, 5))], {"k": 2}),
                 ([_TIES], {}), ([_TIES], {"descending": True}),
                 ([_TIES], {"descending": True, "k": 3}),
                 ([_sort_rng.integers(-5, 5, (11,))], {})]
# in_top_k: ties (count in the target's favour), NaN and inf scores, negative targets (wrap
# once) and targets outside [-n, n) (no score: -inf), k of 0 and beyond n.
_TOPK_SCORES = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, np.nan, 0.9, np.inf], [np.nan, 0.3, 0.2, 0.1],
                         [-np.inf, np.nan, -np.inf, 0.0], [0.4, 0.4, 0.4, 0.4]])
CASES["in_top_k"] = [
    ([np.array([1, 2, 0, 2, 3], np.int32), _TOPK_SCORES], {"k": 1}),
    ([np.array([2, 3, 0, 0, 1], np.int32), _TOPK_SCORES], {"k": 2}),
    ([np.array([-1, -4, 4, -5, 7], np.int32), _TOPK_SCORES], {"k": 3}),
    ([np.array([1, 0, 2, 3, 0], np.int32), _TOPK_SCORES], {"k": 0}),
    ([np.array([1, 0, 2, 3, 0], np.int32), _TOPK_SCORES], {"k": 9}),
    ([_sort_rng.integers(0, 5, (2, 3)).astype(np.int32), _sort_rng.uniform(-2, 2, (2, 3, 5))],
     {"k": 2}),
    ([np.array([0, -1, 2], np.int32), np.zeros((3, 0))], {"k": 1})]  # no classes at all
