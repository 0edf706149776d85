"""What the Keras data sets share: their download folder, the restricted reading of their
pickles, and the seeded shuffle-and-split of the small regression sets."""

import io
import pickle
import zipfile

import numpy as np

# Where Keras keeps its data sets (the same URLs, file names and hashes are used here).
ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# A data-set pickle may only rebuild NumPy arrays: nothing else runs while loading.
_ALLOWED_GLOBALS = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                              ("numpy.core.multiarray", "_reconstruct"),
                              ("numpy._core.multiarray", "_reconstruct")})


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to deserialize `{module}.{name}` while loading "
                                     "a Keras dataset. The file may be corrupted or malicious.")


def _npy_member(buffer):
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array (lists of word ids): its pickle, restricted
        buffer.seek(0)
        major = np.lib.format.read_magic(buffer)[0]
        if major == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {major}.")
        return RestrictedUnpickler(buffer).load()


def load_npz(path):
    """The arrays of an .npz file, object arrays included, without unrestricted pickle."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _npy_member(io.BytesIO(raw.read()))
    return arrays


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")


def shuffle_split(x, y, test_split, seed):
    """Keras's order (a RandomState(seed) shuffle) and split at int(n * (1 - test_split))."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
