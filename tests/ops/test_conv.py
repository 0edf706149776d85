"""ops/windows.py's window geometry (Keras's 'valid', 'same' and 'causal' paddings) with the
im2col primitive every convolution and pooling is made of, against a plain slicing
reference, and the errors of the conv/pool ops. Their values and
gradients are the op table's lines (tests/ops/op_table.py)."""

import itertools

import numpy as np
import pytest

import fastkeras as keras
import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.interpret import evaluate
from fastkeras.ops.windows import (conv_output_length, conv_padding,
                                   conv_transpose_output_length, window_counts, window_geometry)

from .conv_reference import same_pads

GEOMETRIES = [  # input shape, kernel, strides, padding, dilation
    ((2, 7, 3), (3,), (2,), "valid", (1,)),
    ((1, 9, 2), (5,), (3,), "same", (1,)),
    ((2, 8, 1), (2,), (1,), "same", (2,)),
    ((2, 6, 2), (3,), (1,), "causal", (2,)),
    ((1, 1, 2), (1,), (1,), "valid", (1,)),
    ((1, 7, 6, 2), (3, 2), (2, 3), "same", (1, 1)),
    ((1, 9, 8, 1), (3, 3), (2, 2), "valid", (2, 1)),
    ((1, 4, 4, 1), (4, 4), (3, 3), "same", (1, 1)),
    ((1, 3, 4, 5, 1), (2, 1, 3), (1, 2, 2), "same", (1, 1, 1)),
]


def _reference_windows(x, k, s, padding, d):
    n = x.ndim - 2
    if padding == "valid":
        pads = [(0, 0)] * n
    elif padding == "causal":
        pads = [((k[0] - 1) * d[0], 0)]
    else:
        pads = [same_pads(L, kk, ss, dd) for L, kk, ss, dd in zip(x.shape[1:-1], k, s, d)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(L - (kk - 1) * dd - 1) // ss + 1 for L, kk, ss, dd in zip(xp.shape[1:-1], k, s, d)]
    return [xp[(slice(None),) + tuple(slice(o * dd, o * dd + (m - 1) * ss + 1, ss)
                                      for o, dd, ss, m in zip(off, d, s, out))]
            for off in itertools.product(*map(range, k))]


@pytest.mark.parametrize("shape, k, s, padding, d", GEOMETRIES)
def test_patches_match_plain_slicing(backend, shape, k, s, padding, d):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    want = np.concatenate(_reference_windows(x, k, s, padding, d), axis=-1)
    paddings, out_shape = window_geometry(shape[1:-1], k, s, padding, d)
    g = Graph("windows")
    with g:
        ph = g.placeholder(shape, "float32")
        patches = bind("im2col", ph, kernel_size=k, strides=s, dilation=d,
                       padding=tuple(paddings))
        got, = evaluate([patches], {ph: x}, backends.get(backend))
    assert got.shape == (shape[0],) + out_shape + (np.prod(k) * shape[-1],)
    np.testing.assert_array_equal(got, want)


def test_output_lengths_and_paddings():
    assert conv_output_length(10, 3, 1, "valid") == 8
    assert conv_output_length(10, 3, 3, "valid", dilation=2) == 2
    assert conv_output_length(10, 4, 3, "same") == 4
    assert conv_output_length(None, 3) is None
    assert conv_padding(7, 2, 1, "same") == (0, 1)  # TF's split: the odd element after
    assert conv_padding(7, 4, 2, "same") == (1, 2)
    assert conv_padding(9, 3, 1, "causal", dilation=2) == (4, 0)
    assert conv_transpose_output_length(5, 3, 2, "valid") == 11
    assert conv_transpose_output_length(5, 3, 2, "same") == 10
    assert conv_transpose_output_length(4, 3, 2, "same", output_padding=1) == 8


def test_window_counts_exclude_padding():
    counts = window_counts((5,), (3,), (2,), "same")  # pads (1, 1): windows -1..1, 1..3, 3..5
    np.testing.assert_array_equal(counts, [2, 3, 2])
    np.testing.assert_array_equal(window_counts((4, 4), (2, 2), (2, 2), "valid"),
                                  4 * np.ones((2, 2)))


def test_average_pool_same_divides_by_the_real_elements():
    x = np.ones((1, 5, 1), np.float32)
    np.testing.assert_allclose(np.asarray(ops.average_pool(x, 3, 2, "same"))[0, :, 0], 1.0)


def test_ops_on_keras_tensors_make_a_model():
    inp = keras.Input((8, 8, 2))
    kernel = np.random.default_rng(1).standard_normal((3, 3, 2, 4)).astype(np.float32)
    out = ops.max_pool(ops.conv(inp, kernel, padding="same"), 2)
    assert out.shape == (None, 4, 4, 4)
    model = keras.Model(inp, out)
    x = np.random.default_rng(2).standard_normal((3, 8, 8, 2)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               ops.max_pool(ops.conv(x, kernel, padding="same"), 2), rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.conv(np.zeros((1, 4, 1)), np.zeros((5, 1, 2))), "larger than the padded"),
    (lambda: ops.conv(np.zeros((1, 4, 1)), np.zeros((3, 1, 2)), dilation_rate=2),
     "larger than the padded"),
    (lambda: ops.max_pool(np.zeros((1, 3, 3, 1)), 4), "larger than the padded"),
    (lambda: ops.conv(np.zeros((1, 6, 6)), np.zeros((3, 3, 6, 2))), "same length as input"),
    (lambda: ops.conv(np.zeros((1, 6, 6, 3)), np.zeros((3, 3, 2, 2))), "evenly divisible"),
    (lambda: ops.conv(np.zeros((1, 6, 6, 4)), np.zeros((3, 3, 2, 3))), "filters"),
    (lambda: ops.conv(np.zeros((1, 6, 1)), np.zeros((3, 1, 2)), strides=0), "strides"),
    (lambda: ops.conv(np.zeros((1, 6, 6, 1)), np.zeros((3, 3, 1, 2)), padding="causal"),
     "padding"),
    (lambda: ops.conv(np.zeros((1, 6, 1)), np.zeros((3, 1, 2)), data_format="nhwc"),
     "data_format"),
    (lambda: ops.depthwise_conv(np.zeros((1, 6, 3)), np.zeros((3, 2, 1))), "channels"),
    (lambda: ops.conv_transpose(np.zeros((1, 6, 3)), np.zeros((3, 2, 2))), "in_channels"),
    (lambda: ops.average_pool(np.zeros((4, 5)), 2), "rank >= 3"),
])
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
