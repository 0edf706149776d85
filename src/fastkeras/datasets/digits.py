"""The 8x8 handwritten digits (1,797 samples), Keras `load_data()` style."""

from importlib import resources

import numpy as np


def load_data(test_split=0.2, seed=113):
    """Returns ((x_train, y_train), (x_test, y_test)): uint8 images (n, 8, 8) with values in
    0..16 and uint8 labels, shuffled with `seed` before the split."""
    if not 0.0 <= test_split < 1.0:
        raise ValueError(f"test_split must be in [0, 1), received {test_split}")
    with resources.files(__package__).joinpath("digits.npz").open("rb") as f:
        data = np.load(f)
        x, y = data["x"], data["y"]
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * (1.0 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
