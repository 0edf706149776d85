"""MNIST handwritten digits: 60,000 + 10,000 uint8 images of 28x28, uint8 labels 0..9."""

import numpy as np

from ..utils.file_utils import get_file
from ._files import ORIGIN_FOLDER

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """((x_train, y_train), (x_test, y_test)), downloaded once to ~/.keras/datasets/`path`."""
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}mnist.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
