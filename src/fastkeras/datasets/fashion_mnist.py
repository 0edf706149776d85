"""Fashion-MNIST: 60,000 + 10,000 uint8 28x28 images of clothes, uint8 labels 0..9."""

import gzip
import os

import numpy as np

from ..utils.file_utils import get_file
from ._files import ORIGIN_FOLDER

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _idx(path, offset):
    """The bytes of a gzipped IDX file after its header (8 bytes for labels, 16 images)."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """((x_train, y_train), (x_test, y_test)), downloaded once to
    ~/.keras/datasets/fashion-mnist/."""
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=subdir) for name in FILES]
    y_train, y_test = _idx(paths[0], 8), _idx(paths[2], 8)
    x_train = _idx(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
