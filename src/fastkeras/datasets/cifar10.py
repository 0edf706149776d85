"""CIFAR-10: 50,000 + 10,000 uint8 32x32 colour images, uint8 labels (n, 1) in 0..9."""

import os

import numpy as np

from ..utils.file_utils import get_file
from .cifar import finish, load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """((x_train, y_train), (x_test, y_test)); the archive is downloaded once and extracted
    to ~/.keras/datasets/cifar-10-batches-py-target/."""
    path = get_file(fname="cifar-10-batches-py-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-10-batches-py")
    train = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in train]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in train]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return finish(x_train, y_train, x_test.astype("uint8"), np.asarray(y_test, "uint8"))
