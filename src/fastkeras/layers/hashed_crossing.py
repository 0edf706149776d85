"""keras.layers.HashedCrossing: a feature cross of two or more categorical inputs, hashed
into `num_bins` bins as TensorFlow's `tf.sparse.cross_hashed` does (Keras runs that op).

Each feature's 64-bit hash (a string's FarmHash Fingerprint64, from pyfarmhash; an
integer's own two's-complement bits) is folded into a running hash, starting from
TensorFlow's default key, with TensorFlow's FingerprintCat64 mix; the result modulo the
bins. The mix is three multiply/shift rounds on uint64, vectorised over the batch."""

from __future__ import annotations

import numpy as np

from ..ops.core import standardize_dtype
from ..saving.object_config import policy_name
from .hashing import fingerprints
from .host_layer import HostLayer, as_input_array, as_strings, encode_categorical

_DEFAULT_HASH_KEY = np.uint64(0xDECAFCAFFE)  # tf.sparse.cross_hashed's key
_K_MUL = np.uint64(0xC6A4A7935BD1E995)
_INT64_MAX = (1 << 63) - 1


def _shift_mix(v):
    return v ^ (v >> np.uint64(47))


def _fingerprint_cat64(fp1, fp2):
    """TensorFlow's FingerprintCat64 (tensorflow/core/platform/fingerprint.h), elementwise;
    uint64 arithmetic wraps modulo 2**64."""
    with np.errstate(over="ignore"):  # 0-d arrays compute as scalars, which warn
        result = fp1 ^ _K_MUL
        result ^= _shift_mix(fp2 * _K_MUL) * _K_MUL
        result *= _K_MUL
        result = _shift_mix(result) * _K_MUL
        return _shift_mix(result)


def _feature_hashes(a):
    """uint64 per value: strings fingerprinted, integers as their bits."""
    if a.dtype.kind in "USO":
        return fingerprints(as_strings(a, "HashedCrossing input"))
    return a.astype(np.int64).view(np.uint64)


class HashedCrossing(HostLayer):
    """Crosses categorical features (ints or strings, one value per sample) by hashing."""

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        dtype = policy_name(dtype, "HashedCrossing")
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, **kwargs)
        if sparse:  # Keras too, on every backend but TensorFlow
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend. "
                             "fastkeras has no sparse tensors: use sparse=False.")
        if not (isinstance(output_mode, str) and output_mode in ("int", "one_hot")):
            raise ValueError(f"Unknown value for `output_mode` argument of HashedCrossing. "
                             f"Allowed values are: ('int', 'one_hot'). Received: "
                             f"output_mode={output_mode}")
        self.num_bins, self.output_mode, self.sparse = num_bins, output_mode, sparse
        self.dtype = standardize_dtype(getattr(dtype, "name", dtype) or "float32")

    def output_specs(self, input_shape):
        if not (isinstance(input_shape, (list, tuple)) and len(input_shape) == 2 and
                all(isinstance(s, tuple) for s in input_shape)):
            raise ValueError(f"Expected as input a list/tuple of 2 tensors. Received "
                             f"input_shape={input_shape}")
        first, second = input_shape
        if first[-1:] != second[-1:]:
            raise ValueError(f"Expected the two input tensors to have identical shapes. "
                             f"Received input_shape={input_shape}")
        if self.output_mode == "int":
            return [(first, self.dtype)]
        if first and first[-1] != 1:
            return [(first + (self.num_bins,), self.dtype)]
        return [(first[:-1] + (self.num_bins,), self.dtype)]

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of "
                             f"inputs. Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError(f"`HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={inputs}")
        arrays = [as_input_array(x, "HashedCrossing input") for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"All `HashedCrossing` inputs should have shape `()`, "
                             f"`(batch_size)` or `(batch_size, 1)`. Received: inputs={inputs}")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: "
                             f"inputs={inputs}")
        if not all(a.dtype.kind in "iuUSO" for a in arrays):
            raise ValueError(f"All `HashedCrossing` inputs should have an integer or string "
                             f"dtype. Received: inputs={inputs}")
        hashed = np.full(shape, _DEFAULT_HASH_KEY, np.uint64)
        for a in arrays:
            hashed = _fingerprint_cat64(hashed, _feature_hashes(a))
        bins = (hashed % np.uint64(self.num_bins if self.num_bins > 0 else _INT64_MAX))
        bins = bins.astype(np.int64)
        if self.output_mode == "int":
            return bins.astype(self.dtype)
        return encode_categorical(bins, "one_hot", self.num_bins, self.dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
