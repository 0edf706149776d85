"""EinsumDense against real Keras 3 (tests/fixtures/einsum_cases.py, keras_einsum.npz/json,
made by make_keras_einsum.py): outputs, traced outputs and gradients on every backend,
weights, configs, compute_output_shape; a 3-epoch fit; the kernel's fans; bad arguments."""

import math

import numpy as np
import pytest

import fastkeras as keras
from tests.fixtures import einsum_cases

from .einsum_fixture import GOLD, check_description, check_eager, check_traced_and_gradients

CASES = sorted(einsum_cases.DENSE)


@pytest.mark.parametrize("case", CASES)
def test_eager_outputs_match_keras(case):
    check_eager(case)


@pytest.mark.parametrize("case", CASES)
def test_traced_outputs_and_gradients_match_keras(backend, case):
    check_traced_and_gradients(case, backend)


@pytest.mark.parametrize("case", CASES)
def test_weights_config_and_output_shape_match_keras(case):
    check_description(case, [(None,) + einsum_cases.DENSE[case][1][1:]])


def test_fit_matches_keras(backend):
    """3 epochs of Adam from the same weights: per-epoch losses (1e-4), predictions after
    (1e-5) and final weights (1e-4) equal real Keras's."""
    out = einsum_cases.run_fit(keras)
    np.testing.assert_allclose(out["loss"], GOLD["fit__loss"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out["pred"], GOLD["fit__pred"], rtol=1e-5, atol=1e-5)
    finals = sorted(k for k in out if k.startswith("final_w"))
    assert len(finals) == len([k for k in GOLD.files if k.startswith("fit__final_w")])
    for key in finals:
        np.testing.assert_allclose(out[key], GOLD[f"fit__{key}"], rtol=1e-4, atol=1e-4,
                                   err_msg=key)


def test_glorot_kernel_uses_the_equations_fans():
    """Keras gives a VarianceScaling kernel initializer the input axes (contracted) and
    output axes of the kernel: for 'abc,cde->abde' with kernel (c, d, e) = (64, 8, 16),
    fan_in = 64 and fan_out = 128, not the convolution-style fans of the raw shape."""
    layer = keras.layers.EinsumDense("abc,cde->abde", (None, 8, 16),
                                     kernel_initializer=keras.initializers.GlorotUniform(3))
    layer.build((None, 5, 64))
    kernel = layer.kernel.numpy()
    limit = math.sqrt(6.0 / (64 + 128))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.98 * limit  # 8192 draws reach the edge
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


def test_symbolic_call_and_ellipsis_output_shapes():
    x = keras.Input((7, 3))
    assert keras.layers.EinsumDense("abc,cd->abd", (None, 5))(x).shape == (None, 7, 5)
    assert keras.layers.EinsumDense("...c,cd->...d", 5, bias_axes="d")(x).shape == \
        (None, 7, 5)
    assert keras.layers.EinsumDense("ab...,bd->ad...", 4)(x).shape == (None, 4, 3)


@pytest.mark.parametrize("equation, output_shape, bias_axes, match", [
    ("ab,bc", 4, None, "Invalid einsum equation"),
    ("ab,bc->ad", 4, None, "Dimension 'd' was specified in the output"),
    ("ab,bcx->ac", 4, None, "Weight dimension 'x' did not have a match"),
    ("ab,bc->ac", 4, "x", "Bias dimension 'x' was requested"),
    ("abc,cd->abd", (6, 4), None, "do not match at shared dimension 'b'"),
    ("abc,cd->abd", 4, None, "should have 2 value"),
])
def test_bad_arguments_raise_value_error(equation, output_shape, bias_axes, match):
    with pytest.raises(ValueError, match=match):
        layer = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
        layer.build((None, 5, 3) if equation.startswith("abc") else (None, 3))


def test_wrong_input_rank_raises_value_error():
    layer = keras.layers.EinsumDense("ab,bc->ac", 4)
    layer.build((None, 3))
    with pytest.raises(ValueError, match="expected ndim=2"):
        layer(np.ones((2, 5, 3), np.float32))


@pytest.mark.parametrize("arg", ["lora_rank", "quantization_config"])
def test_lora_and_quantization_are_refused(arg):
    with pytest.raises(NotImplementedError, match=arg):
        keras.layers.EinsumDense("ab,bc->ac", 4, **{arg: 4 if arg == "lora_rank" else {}})


def test_regularizers_and_constraints_reach_the_weights():
    layer = keras.layers.EinsumDense("ab,bc->ac", 3, bias_axes="c",
                                     kernel_regularizer=keras.regularizers.L2(0.5),
                                     bias_constraint=keras.constraints.NonNeg())
    layer.build((None, 2))
    assert layer.kernel.regularizer is not None and layer.bias.constraint is not None
    config = layer.get_config()
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["bias_constraint"]["class_name"] == "NonNeg"
