"""Initializers draw in the variable's float type, with Keras 3's limits and scales."""

import tracemalloc

import numpy as np
import pytest

from fastkeras import initializers


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                                  "lecun_normal", "random_uniform", "random_normal"])
def test_float32_weights_are_drawn_without_a_float64_copy(name):
    # 4 MB as float32; a float64 draw plus the cast peaked at 12 MB (the truncated normal's
    # two 1 MB bool masks come on top)
    shape = (1000, 1000)
    init = initializers.get(name)
    tracemalloc.start()
    try:
        out = init(shape, dtype="float32")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.dtype == np.float32 and out.shape == shape
    assert peak < 2 * out.nbytes, peak


def test_glorot_uniform_limit_and_spread():
    w = initializers.GlorotUniform(seed=1)((300, 200))
    limit = np.sqrt(6 / 500)
    assert w.dtype == np.float32 and np.abs(w).max() <= limit
    assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)


def test_truncated_normal_stays_within_two_deviations_with_keras_scale():
    w = initializers.HeNormal(seed=2)((400, 300))
    std = np.sqrt(2 / 400) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * std
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)


def test_seeded_initializers_repeat_and_float64_is_drawn_in_float64():
    a = initializers.RandomNormal(seed=3)((5, 4))
    b = initializers.RandomNormal(seed=3)((5, 4))
    np.testing.assert_array_equal(a, b)
    c = initializers.RandomUniform(seed=3)((5, 4), dtype="float64")
    assert c.dtype == np.float64 and (np.abs(c) <= 0.05).all()


def test_truncated_normal_stays_within_two_stddevs_and_repeats_with_its_seed():
    init = initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=3)
    w = init((200, 300))
    assert w.dtype == np.float32 and np.abs(w - 1.0).max() <= 1.0 + 1e-6
    assert abs(w.mean() - 1.0) < 0.01 and 0.4 < w.std() < 0.5  # truncation narrows it
    np.testing.assert_array_equal(w, init((200, 300)))  # an int seed: the same values


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 5)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = initializers.get("orthogonal")(shape).reshape(-1, shape[-1]).astype(np.float64)
    small = min(w.shape)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((5,))


def test_identity_and_lecun_uniform():
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)),
                                  2 * np.eye(2, 3, dtype=np.float32))
    with pytest.raises(ValueError, match="2D matrices"):
        initializers.get("identity")((2, 2, 2))
    w = initializers.LecunUniform(seed=0)((400, 100))
    assert np.abs(w).max() <= np.sqrt(3 / 400) and np.abs(w).max() > 0.9 * np.sqrt(3 / 400)


def test_snake_case_names_are_the_classes_and_deserialize():
    from fastkeras import initializers as inits
    assert inits.glorot_uniform is inits.GlorotUniform and inits.he_normal is inits.HeNormal
    assert isinstance(inits.deserialize("glorot_uniform"), inits.GlorotUniform)
    he = inits.deserialize({"class_name": "HeNormal", "config": {"seed": 3}})
    assert isinstance(he, inits.HeNormal) and he.seed == 3
    ones = inits.deserialize({"module": "keras.initializers", "class_name": "Ones",
                              "config": {}, "registered_name": None})
    assert isinstance(ones, inits.Ones)
    with pytest.raises(ValueError, match="nope"):
        inits.deserialize("nope")
