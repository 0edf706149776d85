"""keras.ops nn additions (fastkeras/ops/nn_extra.py) against real Keras 3 (JAX backend):
the outputs of tests/fixtures/nn_extra_cases.py's calls, the CTC loss's gradient, and the
exception types Keras raises (tests/fixtures/make_keras_nn_extra.py wrote them). The op
table (op_table_nn_extra.py) checks every backend, traced runs and gradients."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, layers, ops
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import nn_extra_cases  # noqa: E402

KERAS = np.load(os.path.join(FIXTURES, "keras_nn_extra.npz"))
with open(os.path.join(FIXTURES, "keras_nn_extra.json")) as _f:
    KERAS_ERRORS = json.load(_f)["errors"]


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", sorted(nn_extra_cases.CASES))
def test_matches_keras(name):
    op, args, kwargs = nn_extra_cases.CASES[name]
    for i, got in enumerate(_outputs(getattr(ops, op)(*args, **kwargs))):
        want = KERAS[f"{name}__out" + (str(i) if i else "")]
        got = np.asarray(got)
        assert got.dtype == want.dtype, f"{name}[{i}]: {got.dtype} != {want.dtype}"
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6, err_msg=f"{name}[{i}]")


@pytest.mark.parametrize("name", ["ctc_loss", "ctc_loss_mask4"])
@pytest.mark.parametrize("backend_name", ["cpu", "numba"])
def test_ctc_loss_traced_value_and_gradient_match_keras(name, backend_name):
    (target, logits, target_length, output_length), kwargs = nn_extra_cases.CASES[name][1:]
    g = Graph("ctc")
    with g:
        z = g.placeholder(logits.shape, "float32")
        loss = ops.ctc_loss(target, z, target_length, output_length, **kwargs)
        total = bind("sum", loss, axes=None)
        (dz,) = grad(total, [z])
    got_loss, got_grad = evaluate([loss, dz], {z: logits}, backends.get(backend_name))
    np.testing.assert_allclose(got_loss, KERAS[f"{name}__out"], rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(got_grad, KERAS[f"{name}__grad"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(nn_extra_cases.ERRORS))
def test_refuses_what_keras_refuses(name):
    op, args, kwargs = nn_extra_cases.ERRORS[name]
    expected = {"ValueError": ValueError, "TypeError": TypeError}[KERAS_ERRORS[name]]
    with pytest.raises(expected):
        getattr(ops, op)(*args, **kwargs)


def test_a_fully_masked_row_averages_the_values():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=s).astype(np.float32) for s in [(1, 2, 1, 3), (1, 4, 1, 3),
                                                                (1, 4, 1, 3)])
    mask = np.array([[True, False, True, False], [False] * 4])
    out = ops.dot_product_attention(q, k, v, mask=mask)
    np.testing.assert_allclose(out[0, 1, 0], v[0, :, 0].mean(0), rtol=1e-6)
    assert np.all(np.isfinite(out))


def test_no_flash_kernel_and_no_beam_search():
    x = np.ones((1, 2, 1, 4), np.float32)
    with pytest.raises(NotImplementedError, match="flash"):
        ops.dot_product_attention(x, x, x, flash_attention=True)
    with pytest.raises(RuntimeError):  # Keras-JAX off GPU: RuntimeError("cuDNN ...")
        ops.dot_product_attention(x, x, x, flash_attention=True)
    ops.dot_product_attention(x, x, x, flash_attention=False)
    logits = np.zeros((1, 3, 4), np.float32)
    with pytest.raises(NotImplementedError, match="greedy"):
        ops.ctc_decode(logits, np.array([3]), strategy="beam_search")


def test_grouped_heads_must_divide():
    q, kv = np.ones((1, 2, 4, 3), np.float32), np.ones((1, 2, 3, 3), np.float32)
    with pytest.raises(ValueError, match="multiple of key/value heads"):
        ops.dot_product_attention(q, kv, kv)


def test_rms_normalization_dtypes_follow_keras():
    out = ops.rms_normalization(np.array([1, 2, 3], np.int32))
    assert out.dtype == np.int32  # computed in float32, cast back to the input's dtype
    np.testing.assert_array_equal(out, [0, 0, 1])
    assert ops.rms_normalization(np.float32(3.0)).shape == (1,)
    assert ops.rms_normalization(np.ones((2, 3))).dtype == np.float64


def test_the_layers_compute_with_the_ops():
    x = np.random.default_rng(1).normal(size=(2, 5, 7, 3)).astype(np.float32)
    rms = layers.RMSNormalization(axis=[2, 3], epsilon=0.01)
    np.testing.assert_array_equal(rms(x), ops.rms_normalization(x, rms.scale.numpy(),
                                                                axis=[2, 3], epsilon=0.01))
    np.testing.assert_array_equal(layers.AdaptiveMaxPooling2D((2, 3))(x),
                                  ops.adaptive_max_pool(x, (2, 3)))
    np.testing.assert_array_equal(layers.AdaptiveAveragePooling2D(4)(x),
                                  ops.adaptive_average_pool(x, 4))


def test_keras_tensors_build_a_model():
    q, kv = keras.Input((3, 4, 5)), keras.Input((6, 2, 5))
    image, logits = keras.Input((4, 6, 8)), keras.Input((7, 5))
    outs = [ops.dot_product_attention(q, kv, kv, is_causal=True),
            ops.space_to_depth(image, 2), ops.depth_to_space(image, 2),
            ops.adaptive_average_pool(image, (2, 3)), ops.rms_normalization(image),
            ops.ctc_decode(logits, np.full((2,), 7, np.int32))[1]]
    assert [tuple(o.shape) for o in outs] == [(None, 3, 4, 5), (None, 2, 3, 32),
                                              (None, 8, 12, 2), (None, 2, 3, 8),
                                              (None, 4, 6, 8), (None, 1)]
    model = keras.Model([q, kv, image], outs[:5])
    rng = np.random.default_rng(2)
    data = [rng.normal(size=(2,) + tuple(t.shape[1:])).astype(np.float32)
            for t in (q, kv, image)]
    got = model.predict(data, verbose=0)
    want = [ops.dot_product_attention(data[0], data[1], data[1], is_causal=True),
            ops.space_to_depth(data[2], 2), ops.depth_to_space(data[2], 2),
            ops.adaptive_average_pool(data[2], (2, 3)), ops.rms_normalization(data[2])]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
