"""The sort primitive bit for bit on every backend against its NumPy reference: ties keep
their order, NaN last (descending: first), -0.0 and 0.0 as NumPy (ascending: equal, in input
order) and lax.top_k (descending: +0.0 first); rows split over threads, float64, ints; and
top_k's bad arguments as Keras."""

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import PRIMITIVES
from fastkeras.graph.eager import run_eager

BACKENDS = [b for b in ("cpu", "numba") if backends.available(b)]
SORT = PRIMITIVES["sort"]


def _run(backend, x, **attrs):
    attrs = {"descending": False, "k": None, **attrs}
    return run_eager(SORT, [x], attrs, backends.get(backend))


def _assert_same(backend, x, **attrs):
    got = _run(backend, x, **attrs)
    want = _run("reference", x, **attrs)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        # Bits, so that -0.0 / 0.0 and NaN placements count.
        assert g.tobytes() == w.tobytes(), (g, w)
    return got


@pytest.mark.parametrize("backend", BACKENDS)
def test_ties_keep_their_input_order(backend):
    x = np.array([[2.0, 1.0, 2.0, 1.0, 2.0, 0.0, 1.0]], np.float32)
    values, pos = _assert_same(backend, x)
    assert pos.tolist() == [[5, 1, 3, 6, 0, 2, 4]]
    _, pos = _assert_same(backend, x, descending=True, k=4)
    assert pos.tolist() == [[0, 2, 4, 1]]  # lax.top_k: the lower index first


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_and_signed_zeros(backend):
    x = np.array([[0.0, np.nan, -0.0, 1.0, -np.inf, np.nan, 0.0, -0.0, np.inf]], np.float32)
    values, pos = _assert_same(backend, x)
    assert pos.tolist() == [[4, 0, 2, 6, 7, 3, 8, 1, 5]]  # NumPy: zeros equal, NaN last
    assert np.signbit(values[0, 1:5]).tolist() == [False, True, False, True]
    values, pos = _assert_same(backend, x, descending=True)
    assert pos.tolist() == [[1, 5, 8, 3, 0, 6, 2, 7, 4]]  # NaN first, +0.0 before -0.0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "int32", "int64"])
def test_other_dtypes(backend, dtype):
    rng = np.random.default_rng(3)
    x = rng.integers(-4, 5, (9, 33)).astype(dtype)
    if dtype == "float64":
        x = x + rng.choice([0.0, 1e-12], x.shape)  # differences float32 would lose
    for descending in (False, True):
        for k in (None, 5):
            values, pos = _assert_same(backend, x, descending=descending, k=k)
            assert values.dtype == x.dtype and pos.dtype == np.int32


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_rows_over_threads(backend):
    """Enough rows (and elements) for the native kernel to split them over its threads."""
    rng = np.random.default_rng(5)
    x = rng.integers(-50, 50, (600, 257)).astype(np.float32)
    x[rng.uniform(size=x.shape) < 0.01] = np.nan
    _assert_same(backend, x)
    _assert_same(backend, x, descending=True, k=7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_long_row_and_empty_shapes(backend):
    x = np.random.default_rng(8).standard_normal((1, 100_003)).astype(np.float32)
    values, _ = _assert_same(backend, x, k=100)
    assert (np.diff(values[0]) >= 0).all()
    _assert_same(backend, np.zeros((0, 4), np.float32))
    _assert_same(backend, np.zeros((3, 0), np.float32))
    _assert_same(backend, np.ones((2, 5), np.float32), k=0)


def test_native_refuses_a_bad_call():
    if "cpu" not in BACKENDS:
        pytest.skip("native module not built")
    from fastkeras import _cpu
    code, x = _cpu.op_codes()["sort"], np.ones((2, 4), np.float32)
    for ints, outs in [([0, 5], [np.zeros((2, 5), np.float32), np.zeros((2, 5), np.int32)]),
                       ([2, 4], [np.zeros((2, 4), np.float32), np.zeros((2, 4), np.int32)]),
                       ([0, 4], [np.zeros((2, 4), np.float32), np.zeros((2, 4), np.int64)]),
                       ([0, 3], [np.zeros((2, 4), np.float32), np.zeros((2, 4), np.int32)])]:
        with pytest.raises(ValueError):
            _cpu.run_op(code, [x], outs, ints, [])


def test_top_k_bad_arguments_as_keras():
    x = np.arange(3.0, dtype=np.float32)
    with pytest.raises(ValueError, match="no larger than size"):
        ops.top_k(x, 4)
    with pytest.raises(ValueError, match="nonnegative"):
        ops.top_k(x, -1)
    with pytest.raises(TypeError, match="integer"):
        ops.top_k(x, 1.5)
    with pytest.raises(ValueError, match="method"):
        ops.quantile(x, 0.5, method="cubic")
    with pytest.raises(ValueError, match="1-D"):
        ops.searchsorted(np.ones((2, 2)), x)
    with pytest.raises(IndexError):
        ops.take_along_axis(x, np.array([3]), axis=0)


def test_top_k_on_a_symbolic_input_and_unique_traced():
    from fastkeras.graph import Graph
    import fastkeras as keras
    t = keras.Input((6,))
    values, pos = ops.top_k(t, 2)
    assert tuple(values.shape) == (None, 2) and pos.dtype == "int32"
    g = Graph("unique")
    with g:
        with pytest.raises(NotImplementedError):
            ops.unique(g.placeholder((4,), "float32"))


def test_sort_gradient_goes_back_to_the_positions():
    from fastkeras.graph import Graph, bind
    x = np.array([[3.0, 1.0, 2.0], [0.5, -1.0, 4.0]])
    w = np.array([[10.0, 20.0], [30.0, 40.0]])
    g = Graph("sort_grad")
    with g:
        ph = g.placeholder(x.shape, "float64")
        values, _ = bind("sort", ph, descending=True, k=2)
        loss = bind("sum", bind("multiply", values, g.constant(w)), axes=None)
    from ..graph.gradcheck import assert_grad_matches_finite_differences
    assert_grad_matches_finite_differences(loss, [ph], [x], [0], "sort")
