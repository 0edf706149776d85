"""GroupQueryAttention against real Keras 3 (tests/fixtures/einsum_cases.py,
keras_einsum.npz/json, made by make_keras_einsum.py): outputs, traced outputs and gradients
on every backend (both of Keras's numerical paths, Keras masks, attention_mask, causal,
returned scores, gate, multi-query), weights, configs; a Keras-written .keras file with
GroupQueryAttention and EinsumDense, and fastkeras's own save/load round trip."""

import numpy as np
import pytest

import fastkeras as keras
from tests.fixtures import einsum_cases

from .einsum_fixture import (GOLD, HERE, check_description, check_eager,
                             check_traced_and_gradients)

CASES = sorted(einsum_cases.GQA)
# Keras's EinsumDense sublayers do not support masking, and Keras warns when a masked
# query/key/value reaches them (its fixture run printed the same warnings).
pytestmark = pytest.mark.filterwarnings("ignore:Layer '(query|key|value)' \\(of type EinsumDense")


@pytest.mark.parametrize("case", CASES)
def test_eager_outputs_match_keras(case):
    check_eager(case)


@pytest.mark.parametrize("case", CASES)
def test_traced_outputs_and_gradients_match_keras(backend, case):
    check_traced_and_gradients(case, backend)


@pytest.mark.parametrize("case", CASES)
def test_weights_and_config_match_keras(case):
    shapes = [(None,) + s[1:] for s in einsum_cases.GQA[case]["shapes"]]
    check_description(case, shapes if len(shapes) > 1 else shapes * 2)


def test_keras_written_file_loads_and_predicts_as_keras():
    model = keras.saving.load_model(HERE / "keras_einsum_model.keras")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert "GroupedQueryAttention" in kinds and "EinsumDense" in kinds
    np.testing.assert_allclose(model.predict(einsum_cases.saving_data(), verbose=0),
                               GOLD["saved__pred"], rtol=1e-5, atol=1e-5)


def test_fastkeras_save_load_round_trip(tmp_path):
    model = einsum_cases.saving_model(keras)
    x = einsum_cases.saving_data()
    np.testing.assert_allclose(model.predict(x, verbose=0), GOLD["saved__pred"], rtol=1e-5,
                               atol=1e-5)
    path = tmp_path / "both.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [w.path for w in loaded.weights] == [w.path for w in model.weights]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), GOLD["saved__pred"], rtol=1e-5,
                               atol=1e-5)


def test_scores_shape_and_the_grouping_of_heads():
    """With one key/value head per two query heads, query heads 2j and 2j+1 read key/value
    head j: identical query projections for a pair give identical score rows."""
    layer = keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=4,
                                             num_key_value_heads=2)
    q = np.random.default_rng(0).standard_normal((1, 3, 5)).astype(np.float32)
    v = np.random.default_rng(1).standard_normal((1, 4, 5)).astype(np.float32)
    layer(q, v)
    kernel = layer._query_dense.kernel.numpy()
    kernel[:, 1] = kernel[:, 0]  # query heads 0 and 1 equal: both read kv head 0
    kernel[:, 2] = kernel[:, 0]  # head 2 equals them but reads kv head 1
    layer._query_dense.kernel.assign(kernel)
    layer._query_dense.bias.assign(np.zeros((4, 2), np.float32))
    _, scores = layer(q, v, return_attention_scores=True)
    assert scores.shape == (1, 4, 3, 4)
    np.testing.assert_allclose(scores[0, 0], scores[0, 1], rtol=1e-6)
    assert not np.allclose(scores[0, 0], scores[0, 2])


def test_dropout_in_training_changes_the_output_only_then():
    layer = keras.layers.GroupQueryAttention(2, 2, 1, dropout=0.5, seed=3)
    x = np.random.default_rng(0).standard_normal((2, 6, 4)).astype(np.float32)
    infer = layer(x, x)
    np.testing.assert_allclose(layer(x, x, training=False), infer)
    assert not np.allclose(layer(x, x, training=True), infer)


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_query_heads=3, num_key_value_heads=2), "must be divisible"),
    (dict(num_query_heads=4, num_key_value_heads=2, sliding_window=0), "sliding_window"),
    (dict(num_query_heads=4, num_key_value_heads=2, dropout=0.1, flash_attention=True),
     "Dropout is not supported when flash attention"),
    (dict(num_query_heads=0, num_key_value_heads=2), "num_query_heads"),
])
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.layers.GroupQueryAttention(head_dim=2, **kwargs)


def test_compute_output_shape_checks_like_keras():
    layer = keras.layers.GroupQueryAttention(2, 2, 1)
    assert layer.compute_output_shape((None, 3, 4), (None, 5, 4)) == (None, 3, 4)
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape`"):
        layer.compute_output_shape((None, 3, 4), (None, 5, 6))
    with pytest.raises(ValueError, match="except the last one"):
        layer.compute_output_shape((None, 3, 4), (None, 5, 4), (None, 6, 4))


def test_flash_attention_refuses_returned_scores():
    layer = keras.layers.GroupQueryAttention(2, 2, 1, flash_attention=True)
    x = np.ones((1, 3, 4), np.float32)
    with pytest.raises(ValueError, match="flash attention"):
        layer(x, x, return_attention_scores=True)


def test_group_query_attention_is_keras_export_name():
    assert keras.layers.GroupQueryAttention is keras.layers.GroupedQueryAttention
