"""Boston housing prices: 506 samples of 13 float64 features, prices in k$ (float64)."""

import numpy as np

from ..utils.file_utils import get_file
from ._files import ORIGIN_FOLDER, check_test_split, shuffle_split

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """((x_train, y_train), (x_test, y_test)), shuffled with `seed`, the last `test_split`
    of the samples for test."""
    check_test_split(test_split)
    path = get_file(path, origin=f"{ORIGIN_FOLDER}boston_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffle_split(x, y, test_split, seed)
