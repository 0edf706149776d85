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
