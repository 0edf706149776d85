"""SpectralNormalization against real Keras 3 (tests/fixtures/make_keras_normalization.py):
inference and training outputs, gradients and the power-iteration vector u (traced and
eager) on every backend; weights, paths and configs; a fitted model; .keras files; errors."""

import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph.interpret import evaluate
from tests.fixtures import normalization_cases as cases

from .normalization_fixture import (HERE, built_layer, check_description, check_error,
                                    check_model_fit, check_traced, gold)

CASES = sorted(n for n in cases.LAYERS if cases.is_spectral(n))
ERROR_CASES = sorted(n for n in cases.ERRORS if n.startswith("spectral"))


@pytest.mark.parametrize("name", CASES)
def test_inference_output_and_gradients_match_keras(backend, name):
    """training=False: the wrapped layer as it is; u untouched."""
    layer = built_layer(name)
    u = layer.vector_u.numpy()
    np.testing.assert_allclose(layer(gold(name, "x"), training=False), gold(name, "y"),
                               rtol=1e-5, atol=1e-5, err_msg=f"{name}: eager output")
    np.testing.assert_array_equal(layer.vector_u.numpy(), u)
    check_traced(name, backend, training=False)


@pytest.mark.parametrize("name", CASES)
def test_training_output_gradients_and_u_match_keras(backend, name):
    """training=True, traced: output of kernel / sigma, the gradients through that division
    (u and v constant), and the value the step assigns to u."""
    g, ph = check_traced(name, backend, prefix="train__", training=True)
    (assign,) = [n for n in g.nodes if n.prim is not None and n.prim.name == "assign"]
    assert assign.inputs[0].node.variable.name == "vector_u"
    (u,) = evaluate([assign.inputs[1]], {ph: gold(name, "x")}, backends.get(backend))
    np.testing.assert_allclose(u, gold(name, "train__u"), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", CASES)
def test_eager_training_calls_update_u_and_the_kernel_like_keras(backend, name):
    layer = built_layer(name)
    x = gold(name, "x")
    for step in (1, 2):
        y = layer(x, training=True)
        np.testing.assert_allclose(y, gold(name, f"step{step}__y"), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(layer.vector_u.numpy(), gold(name, f"step{step}__u"),
                                   rtol=1e-5, atol=1e-6, err_msg=f"{name}: u, call {step}")
        np.testing.assert_allclose(layer.kernel.numpy(), gold(name, f"step{step}__kernel"),
                                   rtol=1e-5, atol=1e-6, err_msg=f"{name}: kernel, call {step}")
    assert layer.kernel is layer.layer.kernel


@pytest.mark.parametrize("name", CASES)
def test_weights_shapes_and_config_match_keras(name):
    check_description(name)


def test_model_fits_like_keras(backend):
    """fit updates u in the step; the kernel gets the optimizer's update only (as Keras's
    JAX trainer), so predict() and the final weights match Keras's too."""
    check_model_fit("spectral_cnn")


@pytest.mark.parametrize("name", ERROR_CASES)
def test_bad_arguments_raise_keras_errors(name):
    check_error(name)


def test_embedding_is_normalised_and_its_output_cast_like_keras():
    layer = cases.embedding_layer(keras)
    assert [w.name for w in layer.weights] == list(gold("embedding", "weight_names"))
    ids = cases.EMBEDDING_IDS
    inference = layer(ids)
    assert inference.dtype == gold("embedding", "inference").dtype
    np.testing.assert_array_equal(inference, gold("embedding", "inference"))
    np.testing.assert_array_equal(layer(ids, training=True), gold("embedding", "training"))
    np.testing.assert_allclose(layer.vector_u.numpy(), gold("embedding", "u"), atol=1e-6)
    np.testing.assert_allclose(layer.layer.embeddings.numpy(), gold("embedding", "embeddings"),
                               atol=1e-6)


def test_all_zero_kernel_keeps_kernel_and_u():
    """Keras's ops.cond: a zero kernel has no spectral norm; nothing changes, no NaN."""
    layer = keras.layers.SpectralNormalization(keras.layers.Dense(2))
    layer.build((None, 3))
    layer.layer.kernel.assign(np.zeros((3, 2), np.float32))
    u = layer.vector_u.numpy()
    y = layer(np.ones((1, 3), np.float32), training=True)
    np.testing.assert_array_equal(y, np.zeros((1, 2), np.float32))
    np.testing.assert_array_equal(layer.vector_u.numpy(), u)
    np.testing.assert_array_equal(layer.kernel.numpy(), np.zeros((3, 2), np.float32))


def test_kernel_regularizer_counts_once():
    """The wrapper lists the kernel as its own weight (Keras's order) but its penalty is
    the wrapped layer's, once."""
    inner = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))
    layer = keras.layers.SpectralNormalization(inner)
    layer.build((None, 3))
    layer.layer.kernel.assign(np.ones((3, 2), np.float32))
    assert [float(v) for v in layer.losses] == pytest.approx([0.5 * 6])


def test_keras_written_file_loads_and_round_trips(tmp_path):
    """A .keras file Keras wrote with the three layers: fastkeras loads it and predicts as
    Keras did; saved again by fastkeras, it loads back the same, u included."""
    model = keras.saving.load_model(os.path.join(HERE, "keras_normalization_model.keras"))
    inputs = cases.saving_inputs()
    want = gold("saving_model", "pred")
    np.testing.assert_allclose(model.predict(inputs, verbose=0), want, rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "again.keras")
    again = keras.saving.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(inputs, verbose=0), want, rtol=1e-5, atol=1e-5)
    assert [type(layer).__name__ for layer in again.layers] == \
        [type(layer).__name__ for layer in model.layers]
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    wrappers = [layer for layer in again.layers if type(layer).__name__ ==
                "SpectralNormalization"]
    assert [w.power_iterations for w in wrappers] == [2, 1]
