"""rearrange (Keras's documented examples and the errors), dtype, the shifts' dtypes,
nonzero eager and traced, vectorize and jvp (against finite differences)."""

import numpy as np
import pytest

import fastkeras as keras
import fastkeras.ops as ops
from fastkeras.graph import Graph
from fastkeras.graph.interpret import evaluate

_IMAGES = np.random.default_rng(3).uniform(size=(4, 30, 40, 3)).astype("float32")


@pytest.mark.parametrize("pattern, lengths, shape", [
    ("b h w c -> b c h w", {}, (4, 3, 30, 40)),
    ("b h w c -> (b h) w c", {}, (120, 40, 3)),
    ("b h w c -> h (b w) c", {}, (30, 160, 3)),
    ("b h w c -> b (c h w)", {}, (4, 3600)),
    ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2}, (16, 15, 20, 3)),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 2}, (4, 15, 20, 12)),
    ("b ... c -> b c ...", {}, (4, 3, 30, 40)),
])
def test_rearrange_keras_doc_examples(pattern, lengths, shape):
    out = ops.rearrange(_IMAGES, pattern, **lengths)
    assert out.shape == shape


def test_rearrange_values_match_numpy():
    out = ops.rearrange(_IMAGES, "b (h1 h) w c -> (b h1) h w c", h1=2)
    expected = _IMAGES.reshape(4, 2, 15, 40, 3).reshape(8, 15, 40, 3)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(ops.rearrange(_IMAGES, "b h w c -> c w h b"),
                                  _IMAGES.transpose(3, 2, 1, 0))


def test_rearrange_on_keras_tensor_builds_a_layer():
    x = keras.Input((6, 4))
    y = ops.rearrange(x, "b (t k) f -> b t (k f)", k=2)
    assert tuple(y.shape) == (None, 3, 8)
    model = keras.Model(x, y)
    data = np.arange(48, dtype="float32").reshape(2, 6, 4)
    np.testing.assert_array_equal(model.predict(data, verbose=0), data.reshape(2, 3, 8))


@pytest.mark.parametrize("pattern, lengths, message", [
    ("a b c", {}, "input axes -> output axes"),
    ("a b -> b a", {}, "2 input axes"),
    ("a b c -> a b", {}, "'c' is missing from the output"),
    ("a b c -> a b c d", {}, "'d' is missing from the input"),
    ("a a c -> a c", {}, "appears twice"),
    ("(a b) c d -> a b c d", {}, "cannot infer"),
    ("a (b1 b) c -> a b b1 c", {"b1": 4}, "cannot be split"),
    ("a b c -> a b c", {"b": 5}, "size 5"),
    ("a b c -> a b c", {"z": 2}, "does not name"),
    ("a b c -> a b 1 c", {}, "not an axis name"),
    ("a (b c -> a b c", {}, "unbalanced"),
    ("... c -> c", {}, "both sides"),
])
def test_rearrange_errors_name_the_problem(pattern, lengths, message):
    with pytest.raises(ValueError, match=message):
        ops.rearrange(np.zeros((2, 3, 4)), pattern, **lengths)


def test_dtype_is_the_standardized_name():
    assert ops.dtype(np.zeros(3, "float64")) == "float64"
    assert ops.dtype(np.zeros(3, "uint8")) == "uint8"
    assert ops.dtype(7) == "int32"
    assert ops.dtype(keras.Variable(np.zeros(2, "float32"))) == "float32"
    x = keras.Input((3,), dtype="int32")
    assert ops.dtype(x) == "int32"  # answered at once, not a layer


def test_shift_dtypes_and_bad_inputs():
    assert ops.left_shift(np.array([3], "int64"), 2).dtype == np.int64
    assert ops.right_shift(np.array([3], "int32"), np.array([1], "int64")).dtype == np.int64
    assert ops.left_shift(np.array([True]), 1).dtype == np.int32
    np.testing.assert_array_equal(ops.bitwise_left_shift(5, 2), 20)
    with pytest.raises(TypeError, match="integer"):
        ops.left_shift(np.array([1.5]), 1)
    with pytest.raises(TypeError, match="integer"):
        ops.right_shift(np.array([1]), np.array([1.0]))


def test_unravel_index_python_int_and_bad_shape():
    r, c = ops.unravel_index(5, (3, 3))
    assert (int(r), int(c)) == (1, 2) and r.dtype == np.int32
    with pytest.raises(ValueError, match="positive"):
        ops.unravel_index(3, (0, 2))


def test_nonzero_eager_matches_numpy():
    x = np.array([[0, 1.5, 0], [2, 0, -1]], "float32")
    got = ops.nonzero(x)
    assert isinstance(got, tuple) and all(a.dtype == np.int32 for a in got)
    for a, b in zip(got, np.nonzero(x)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="0d"):
        ops.nonzero(np.array(3.0))


def test_nonzero_traced_refuses_with_the_reason():
    g = Graph("nonzero")
    with g:
        x = g.placeholder((3,), "float32")
        with pytest.raises(NotImplementedError, match="depends on the values"):
            ops.nonzero(x)


def test_vectorize_keras_doc_example_and_excluded():
    np.testing.assert_array_equal(ops.vectorize(lambda a, b: a + b)(np.array([1, 2, 3, 4]), 2),
                                  [3, 4, 5, 6])
    calls = []

    def scaled(x, how):
        calls.append(how)
        return x * 2 if how == "double" else x
    out = ops.vectorize(scaled, excluded={1})(np.ones((2, 3), "float32"), "double")
    np.testing.assert_array_equal(out, np.full((2, 3), 2.0))
    assert set(calls) == {"double"}


def test_vectorize_sees_core_shapes_and_checks_them():
    seen = []

    def f(m, v):
        seen.append(tuple(m.shape))
        return ops.matmul(m, v)
    mv = ops.vectorize(f, signature="(m,n),(n)->(m)")
    m = np.random.default_rng(0).normal(size=(2, 5, 3, 4)).astype("float32")
    v = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(mv(m, v), np.einsum("abij,bj->abi", m, v), rtol=1e-5)
    assert set(seen) == {(3, 4)}
    with pytest.raises(ValueError, match="core dimension 'n'"):
        mv(m, np.ones(5, "float32"))
    with pytest.raises(ValueError, match="signature"):
        ops.vectorize(f, signature="(m,n)->")
    with pytest.raises(ValueError, match="callable"):
        ops.vectorize(3)


def _finite_difference(f, x, t, eps=1e-6):
    return (f(x + eps * t) - f(x - eps * t)) / (2 * eps)


def test_jvp_keras_doc_example():
    primal, tangent = ops.jvp(ops.sin, (np.float32(0.1),), (np.float32(0.2),))
    np.testing.assert_allclose([primal, tangent], [0.09983342, 0.19900084], rtol=1e-6)


def test_jvp_matches_finite_differences_with_aux_and_structures():
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    tx, tw = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))

    def f(inputs):
        a, b = inputs["x"], inputs["w"]
        y = ops.matmul(ops.sin(a), b)
        return {"y": ops.exp(y) * 0.5, "n": ops.sum(y * y)}, "aux"
    out, tangents, aux = ops.jvp(f, ({"x": x, "w": w},), ({"x": tx, "w": tw},), has_aux=True)
    assert aux == "aux"

    def y_of(x, w):
        return np.exp(np.sin(x) @ w) * 0.5
    np.testing.assert_allclose(out["y"], y_of(x, w), rtol=1e-12)
    fd = (y_of(x + 1e-6 * tx, w + 1e-6 * tw) - y_of(x - 1e-6 * tx, w - 1e-6 * tw)) / 2e-6
    np.testing.assert_allclose(tangents["y"], fd, rtol=1e-6, atol=1e-8)
    n_fd = _finite_difference(lambda s: np.sum((np.sin(x + s * tx) @ (w + s * tw)) ** 2), 0.0, 1.0)
    np.testing.assert_allclose(tangents["n"], n_fd, rtol=1e-6)


def test_jvp_traced_in_a_graph_and_refusals():
    g = Graph("jvp")
    with g:
        x = g.placeholder((4,), "float64")
        _, t = ops.jvp(lambda a: ops.exp(a) * a, (x,), (np.ones(4),))
    xs = np.linspace(-1, 1, 4)
    (got,) = evaluate([t], {x: xs})
    np.testing.assert_allclose(got, np.exp(xs) * (xs + 1), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="VJP of a VJP"):
        ops.jvp(ops.sigmoid, (np.zeros(3),), (np.ones(3),))  # its VJP is a fused helper
    with pytest.raises(ValueError, match="same structure"):
        ops.jvp(ops.add, (np.zeros(3), np.ones(3)), (np.ones(3),))
    with pytest.raises(ValueError, match="shape"):
        ops.jvp(ops.sin, (np.zeros(3),), (np.ones(2),))
