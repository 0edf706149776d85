"""keras.backend: the names Keras 3 still exposes there, as thin aliases of keras.config and
keras.utils. Not to be confused with fastkeras.backends (plural), the executors.

`backend()` returns "fastkeras": scripts branch on `keras.backend.backend() == "tensorflow"`
(or "jax", "torch") to reach that framework's own API, which fastkeras does not provide, so
no such branch should be taken. The executor in use is `fastkeras.config.backend()`."""

from ..config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)
from ..layers.keras_tensor import is_keras_tensor
from ..utils.dtype_utils import is_float_dtype, is_int_dtype, standardize_dtype
from ..utils.global_state import clear_session
from ..utils.naming import get_uid

NAME = "fastkeras"


def backend():
    """The framework's name, as keras.backend.backend() gives "jax" or "tensorflow"."""
    return NAME


__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "set_epsilon",
           "set_floatx", "set_image_data_format", "standardize_dtype"]
