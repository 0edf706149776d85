"""MultiHeadAttention, Attention and AdditiveAttention beyond the Keras fixtures: the two
masking paths agree where Keras's do, value_dim != key_dim (which Keras's jax fast path
cannot run), dropout in training only, masks on the outputs, bad arguments, refused
options, and a .keras round trip."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from fastkeras.layers.masks import get_keras_mask, set_keras_mask


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_fast_and_scores_paths_agree_without_fully_masked_rows():
    """No dropout and no scores (Keras's dot_product_attention path) gives the same output
    as the path that returns the scores, also with value_dim != key_dim and a key."""
    mha = layers.MultiHeadAttention(3, 2, value_dim=5)
    q, v, k = _x(2, 4, 6), _x(2, 7, 3, seed=1), _x(2, 7, 5, seed=2)
    out = mha(q, v, key=k, use_causal_mask=True)
    out2, scores = mha(q, v, key=k, use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(out, out2, rtol=1e-5, atol=1e-6)
    assert scores.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(scores.sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(scores[0, 0], 1) == 0)  # causal: no key after the query


def test_fully_masked_query_rows_follow_each_keras_path():
    """A padded query row: uniform weights on the dot_product_attention path, zeros (the
    output bias alone) on the Softmax-layer path."""
    mha = layers.MultiHeadAttention(2, 3)
    q, v = _x(1, 3, 4), _x(1, 5, 4, seed=1)
    set_keras_mask(q, np.array([[True, True, False]]))
    _, scores = mha(q, v, return_attention_scores=True)
    assert np.all(scores[0, :, 2] == 0)
    bias = mha.output_dense.bias.numpy()
    np.testing.assert_allclose(mha(q, v, return_attention_scores=True)[0][0, 2], bias,
                               atol=1e-6)
    mean_value = mha.value_dense(v).mean(axis=1)  # (1, heads, value_dim): uniform weights
    want = mha.output_dense(mean_value[:, None])[0, 0]
    np.testing.assert_allclose(mha(q, v)[0, 2], want, rtol=1e-5, atol=1e-5)


def test_query_mask_is_the_output_mask():
    tokens = keras.Input((6,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(tokens)
    out = layers.MultiHeadAttention(2, 2)(x, x)
    assert get_keras_mask(out) is not None and get_keras_mask(out).shape == (None, 6)
    q, v = _x(2, 3, 4), _x(2, 5, 4)
    mask = np.array([[True, False, True], [True, True, True]])
    set_keras_mask(q, mask)
    y = layers.Attention()([q, v])
    np.testing.assert_array_equal(get_keras_mask(y), mask)
    assert np.all(y[0, 1] == 0)  # Attention zeroes the masked query rows


def test_dropout_only_in_training_and_seeded():
    q = _x(2, 5, 4)
    mha = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=3)
    infer = mha(q, q)
    np.testing.assert_allclose(mha(q, q, training=False), infer)
    trained = mha(q, q, training=True)
    assert not np.allclose(trained, infer)
    att = layers.Attention(dropout=0.5, seed=1)
    _, w_infer = att([q, q], return_attention_scores=True)
    out_train = att([q, q], training=True)
    assert not np.allclose(out_train, att([q, q]))
    np.testing.assert_allclose(w_infer.sum(-1), 1.0, rtol=1e-5)


def test_weights_and_shapes_follow_keras_layout():
    mha = layers.MultiHeadAttention(4, 8, value_dim=3, output_shape=(2, 5), name="mha")
    out = mha(keras.Input((7, 6)), keras.Input((9, 10)))
    assert out.shape == (None, 7, 2, 5)
    assert [(w.path, w.shape) for w in mha.weights] == [
        ("mha/query/kernel", (6, 4, 8)), ("mha/query/bias", (4, 8)),
        ("mha/key/kernel", (10, 4, 8)), ("mha/key/bias", (4, 8)),
        ("mha/value/kernel", (10, 4, 3)), ("mha/value/bias", (4, 3)),
        ("mha/attention_output/kernel", (4, 3, 2, 5)), ("mha/attention_output/bias", (2, 5))]
    assert mha.compute_output_shape((None, 7, 6), (None, 9, 10)) == (None, 7, 2, 5)
    assert layers.Attention().compute_output_shape([(None, 3, 4), (None, 5, 6)]) == \
        (None, 3, 6)


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.MultiHeadAttention(0, 4), ValueError, "num_heads"),
    (lambda: layers.MultiHeadAttention(2, -1), ValueError, "key_dim"),
    (lambda: layers.MultiHeadAttention(2, 4, value_dim=0), ValueError, "value_dim"),
    (lambda: layers.MultiHeadAttention(2, 4, attention_axes="x"), ValueError,
     "attention_axes"),
    (lambda: layers.MultiHeadAttention(2, 4, sliding_window=0), ValueError, "sliding_window"),
    (lambda: layers.MultiHeadAttention(2, 4, dropout=0.1, flash_attention=True), ValueError,
     "flash attention"),
    (lambda: layers.Attention(score_mode="sum"), ValueError, "score_mode"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_calls():
    with pytest.raises(ValueError, match="except the last one"):
        layers.MultiHeadAttention(2, 2)(_x(1, 3, 4), _x(1, 5, 4), key=_x(1, 6, 4))
    with pytest.raises(TypeError, match="value"):
        layers.MultiHeadAttention(2, 2)(_x(1, 3, 4))
    with pytest.raises(NotImplementedError, match="3-D"):
        layers.MultiHeadAttention(2, 2)(_x(1, 3, 3, 4), _x(1, 3, 3, 4))
    with pytest.raises(NotImplementedError, match="attention_axes"):
        layers.MultiHeadAttention(2, 2, attention_axes=(2,))(_x(1, 3, 4), _x(1, 3, 4))
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(_x(1, 3, 4))
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.AdditiveAttention()([_x(1, 3, 4)])
    built = layers.MultiHeadAttention(2, 2)
    built(_x(1, 3, 4), _x(1, 5, 4))
    with pytest.raises(ValueError, match="incompatible"):
        built(_x(1, 3, 5), _x(1, 5, 4))


def test_explicit_attention_mask_broadcasts_over_heads():
    mha = layers.MultiHeadAttention(2, 3)
    q = _x(2, 4, 5)
    allowed = np.ones((2, 4, 4), bool)
    allowed[:, :, 3] = False
    _, scores = mha(q, q, attention_mask=allowed, return_attention_scores=True)
    assert np.all(scores[..., 3] == 0)
    # Keras casts a numeric mask to bool: non-zero attends.
    np.testing.assert_allclose(mha(q, q, attention_mask=allowed),
                               mha(q, q, attention_mask=allowed.astype("int32") * 3),
                               rtol=1e-6)


def test_model_with_attention_saves_and_loads(tmp_path):
    q, v = keras.Input((5, 4)), keras.Input((6, 3))
    x = layers.MultiHeadAttention(2, 3, name="mha")(q, v, use_causal_mask=True)
    y = layers.AdditiveAttention(name="additive")([layers.Attention(use_scale=True)([x, x]), x])
    model = keras.Model([q, v], y)
    data = [_x(2, 5, 4), _x(2, 6, 3, seed=1)]
    want = model.predict(data, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(data, verbose=0), want, rtol=1e-6, atol=1e-6)
    assert [w.path for w in again.get_layer("mha").weights] == \
        [w.path for w in model.get_layer("mha").weights]


def test_exported_from_keras_layers():
    for name in ("MultiHeadAttention", "Attention", "AdditiveAttention"):
        assert name in layers.__all__ and hasattr(keras.layers, name)


def test_projection_kernels_draw_with_keras_einsum_fans():
    """Keras builds MHA's projections as EinsumDense, whose glorot kernel takes the
    contracted axes as fan-in and the others as fan-out: (64, 2, 32) and (2, 32, 64) kernels
    are uniform within sqrt(6 / (64 + 64)) (real Keras 3.15.1: max |w| 0.2164-0.2165, std
    0.124-0.125), not within the 3-D shape's receptive-field fans (0.0525)."""
    keras.utils.set_random_seed(0)
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=32)
    x = np.zeros((1, 5, 64), "float32")
    mha(x, x)
    limit = np.sqrt(6 / 128)
    kernels = [np.asarray(w) for w in mha.weights if w.path.endswith("kernel")]
    assert len(kernels) == 4
    for k in kernels:
        assert 0.98 * limit < np.abs(k).max() <= limit
        np.testing.assert_allclose(k.std(), limit / np.sqrt(3), rtol=0.05)
