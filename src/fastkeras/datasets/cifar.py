"""The CIFAR batch files (Python pickles of {b'data': uint8 (n, 3072), labels}) and the
layout both CIFAR sets return."""

import numpy as np

from ._files import RestrictedUnpickler


def load_batch(fpath, label_key="labels"):
    """(images (n, 3, 32, 32) uint8, labels list) of one CIFAR batch file."""
    with open(fpath, "rb") as f:
        raw = RestrictedUnpickler(f, encoding="bytes").load()
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in raw.items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def finish(x_train, y_train, x_test, y_test):
    """Labels as (n, 1) columns; images channels-last unless image_data_format() says
    channels_first (Keras's CIFAR layout)."""
    from ..config import image_data_format
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
