"""keras.layers.Hashing: values hashed into `num_bins` bins, as TensorFlow hashes them.

Every value is hashed as a string (integers in decimal, floats truncated to integers
first): FarmHash Fingerprint64 modulo the bins (`tf.strings.to_hash_bucket_fast`), or with
a `salt`, SipHash-2-4 keyed by the salt's two 64-bit words (`to_hash_bucket_strong`). The
hashes come from kept libraries, imported when first needed: pyfarmhash and siphashc. Each
distinct value is hashed once per call."""

from __future__ import annotations

import struct

import numpy as np

from ..ops.core import standardize_dtype
from ..saving.object_config import policy_name
from .host_layer import HostLayer, as_input_array, as_strings, encode_categorical, unique_map

_MODES = ("int", "one_hot", "multi_hot", "count")


def _fingerprint64():
    try:
        import farmhash
    except ImportError as exc:
        raise ImportError("Hashing and the lookup layers hash strings with FarmHash's "
                          "Fingerprint64 (as TensorFlow does), from the pyfarmhash package, "
                          "which is not installed. Install it with `pip install pyfarmhash` "
                          "(or the fastkeras[hashing] extra).") from exc
    return farmhash.fingerprint64


def _siphash(salt):
    try:
        import siphashc
    except ImportError as exc:
        raise ImportError("A `salt` hashes with SipHash-2-4 (TensorFlow's strong hash), from "
                          "the siphashc package, which is not installed. Install it with "
                          "`pip install siphashc`.") from exc
    key = struct.pack("<QQ", *(int(k) & 0xFFFFFFFFFFFFFFFF for k in salt))
    return lambda text: siphashc.siphash(key, text.encode("utf-8"))


def _text(value):
    return value if isinstance(value, str) else str(value)


def fingerprints(values):
    """FarmHash Fingerprint64 of each value's string, as uint64 (HashedCrossing's input)."""
    fp = _fingerprint64()
    return unique_map(values, lambda v: fp(_text(v)), np.uint64)


def hash_to_bins(values, num_bins, salt=None):
    """TensorFlow's to_hash_bucket_fast (salt None) or to_hash_bucket_strong of each value's
    string (integers in decimal) modulo num_bins, as int64."""
    if salt is None:
        fp = _fingerprint64()
        bucket = lambda v: fp(_text(v)) % num_bins  # noqa: E731
    else:
        sip = _siphash(salt)
        bucket = lambda v: sip(_text(v)) % num_bins  # noqa: E731
    return unique_map(values, bucket, np.int64)


def as_hash_inputs(x, what):
    """(the values as given, the values to hash): strings as str, numbers as int64 (floats
    truncated, as Keras casts them)."""
    a = as_input_array(x, what)
    if a.dtype.kind in "USO":
        a = as_strings(a, what)
        return a, a
    if a.dtype.kind == "b":  # TensorFlow's as_string
        return a, np.where(a, "true", "false")
    if a.dtype.kind in "iuf":
        return a, a.astype(np.int64)
    raise ValueError(f"{what}: expected strings or numbers, received an array of dtype "
                     f"{a.dtype}")


def standardize_salt(salt, message):
    """Keras's salt: two integers, from a pair or one integer used twice (else a ValueError
    with the layer's message)."""
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return list(salt)
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(message)


class Hashing(HostLayer):
    """Hashes strings or integers into `num_bins` bins (bin 0 kept for `mask_value`)."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        dtype = policy_name(kwargs.pop("dtype", None), "Hashing")
        if dtype is None:  # Keras: int64 ids, float vectors
            dtype = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        dtype = getattr(dtype, "name", dtype)
        if output_mode == "int" and dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'in64'. Received: dtype={dtype}")
        if output_mode not in _MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of "
                             f"{_MODES}. Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError('`sparse` may only be true if `output_mode` is `"one_hot"`, '
                             f'`"multi_hot"`, or `"count"`. Received: sparse={sparse} and '
                             f"output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("Hashing(sparse=True): fastkeras has no sparse tensors; "
                                      "use sparse=False (dense outputs)")
        self.num_bins, self.mask_value, self.output_mode = num_bins, mask_value, output_mode
        self.sparse = sparse
        self.salt = standardize_salt(salt, f"The `salt` argument for `Hashing` can only be a "
                                           f"tuple of size 2 integers, or a single integer. "
                                           f"Received: salt={salt}.")
        self.strong_hash = self.salt is not None
        self.dtype = standardize_dtype(dtype)

    def output_specs(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return [(shape, self.dtype)]
        if self.output_mode == "one_hot" and shape and shape[-1] != 1:
            return [(shape + (self.num_bins,), self.dtype)]
        return [(shape[:-1] + (self.num_bins,), self.dtype)]

    def call(self, inputs):
        values = as_input_array(inputs, f"Hashing layer {self.name!r}")
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self._hash_values_to_bins(values)
        if self.output_mode == "int":
            return bins.astype(self.dtype)
        return encode_categorical(bins, self.output_mode, self.num_bins, self.dtype)

    def _hash_values_to_bins(self, values):
        given, keys = as_hash_inputs(values, f"Hashing layer {self.name!r}")
        bins, mask = self.num_bins, None
        if self.mask_value is not None and bins > 1:  # bin 0 is the mask's
            bins -= 1
            mask = _equal(given, self.mask_value)
        hashed = hash_to_bins(keys, bins, self.salt)
        if mask is not None:
            hashed = np.where(mask, 0, hashed + 1)
        return hashed

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=self.sparse)
        return config


def _equal(given, mask_value):
    """Where the inputs (as given: a float is compared before it is truncated) equal the
    mask value; a mask of another kind (a string for numbers) matches nothing."""
    if (given.dtype.kind == "U") != isinstance(mask_value, str):
        return np.zeros(given.shape, bool)
    return given == mask_value
