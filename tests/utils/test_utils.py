import numpy as np
import pytest

import fastkeras as keras


def test_set_random_seed_reproduces_initial_weights():
    keras.utils.set_random_seed(3)
    a = keras.layers.Dense(4)
    a.build((None, 5))
    keras.utils.set_random_seed(3)
    b = keras.layers.Dense(4)
    b.build((None, 5))
    np.testing.assert_array_equal(a.kernel.value, b.kernel.value)


def test_set_random_seed_rejects_non_integers():
    with pytest.raises(ValueError, match="seed must be an integer"):
        keras.utils.set_random_seed(1.5)


def test_glorot_uniform_limit():
    keras.utils.set_random_seed(0)
    w = keras.initializers.GlorotUniform()((300, 200))
    limit = np.sqrt(6 / 500)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit


def test_to_categorical():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2], 3), [[1, 0, 0], [0, 0, 1]])


def test_to_categorical_label_beyond_num_classes_names_it():
    with pytest.raises(IndexError, match=r"label 3 at position 1 is out of range for "
                                         r"num_classes=3"):
        keras.utils.to_categorical([0, 3, 1], num_classes=3)


@pytest.mark.parametrize("labels, bad", [([0.5, 1.0], "0.5"), ([1.0, 1.7], "1.7"),
                                         ([0.0, float("nan")], "nan")])
def test_to_categorical_refuses_fractional_labels(labels, bad):
    """They were silently truncated to a class."""
    with pytest.raises(ValueError, match=f"labels must be integers.*holds {bad}"):
        keras.utils.to_categorical(labels, num_classes=3)


def test_to_categorical_takes_integral_floats():
    np.testing.assert_array_equal(keras.utils.to_categorical(np.array([[2.0], [0.0]])),
                                  [[0, 0, 1], [1, 0, 0]])
