"""Keras-compatible utilities."""

import numpy as np

from ..saving.object_registration import (CustomObjectScope, custom_object_scope,
                                           get_custom_objects, get_registered_name,
                                           get_registered_object, register_keras_serializable)
from .arrays import normalize, pad_sequences
from .dtype_utils import standardize_dtype
from .file_utils import get_file
from .global_state import clear_session
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .source_inputs import get_source_inputs
from .dataset_split import split_dataset
from .naming import to_snake_case, unique_name
from .packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .plotting import plot_history
from .py_dataset import PyDataset, Sequence
from .random import set_random_seed
from .progbar import Progbar
from .timeseries import timeseries_dataset_from_array


def to_categorical(x, num_classes=None):
    """One-hot encodes integer labels (Keras `utils.to_categorical`)."""
    raw = np.asarray(x)
    if raw.dtype.kind == "f":
        fractional = np.nonzero(np.mod(raw.reshape(-1), 1) != 0)[0]  # NaN counts too
        if fractional.size:
            raise ValueError(f"to_categorical: labels must be integers, but position "
                             f"{int(fractional[0])} holds {raw.reshape(-1)[fractional[0]]}")
    elif raw.dtype.kind not in "iub":
        raise TypeError(f"to_categorical: labels must be integers, received dtype {raw.dtype}")
    x = raw.astype("int64")
    shape = x.shape[:-1] if x.ndim > 1 and x.shape[-1] == 1 else x.shape
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {x.min()}")
    num_classes = int(x.max()) + 1 if num_classes is None else int(num_classes)
    if x.size and x.max() >= num_classes:
        pos = int(np.argmax(x >= num_classes))
        raise IndexError(f"to_categorical: label {x[pos]} at position {pos} is out of range "
                         f"for num_classes={num_classes} (labels must lie in [0, {num_classes}))")
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


# Names whose modules import utils themselves: resolved on first use (PEP 562), since ops
# import utils while the package is still being imported.
_LAZY = {"is_keras_tensor": "..layers.keras_tensor",
         "serialize_keras_object": "..saving.serialization_lib",
         "deserialize_keras_object": "..saving.serialization_lib",
         "enable_interactive_logging": "..config", "disable_interactive_logging": "..config",
         "is_interactive_logging_enabled": "..config"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(_LAZY[name], __package__), name)


__all__ = ["array_to_img", "clear_session", "deserialize_keras_object",
           "disable_interactive_logging", "enable_interactive_logging", "get_file",
           "get_source_inputs", "img_to_array", "is_interactive_logging_enabled",
           "is_keras_tensor", "load_img", "save_img", "serialize_keras_object",
           "standardize_dtype",
           "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "normalize", "pack_x_y_sample_weight",
           "pad_sequences",
           "plot_history", "Progbar",
           "PyDataset", "register_keras_serializable", "Sequence", "set_random_seed",
           "split_dataset", "timeseries_dataset_from_array", "to_categorical",
           "to_snake_case", "unique_name", "unpack_x_y_sample_weight"]
