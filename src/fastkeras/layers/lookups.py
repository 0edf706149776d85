"""keras.layers.IntegerLookup and StringLookup: IndexLookup (layers/index_lookup.py) over
integer or string tokens, with Keras 3's arguments, defaults and configs."""

from __future__ import annotations

from .host_layer import as_integers, as_strings
from .index_lookup import IndexLookup


def _refuse_sparse(sparse):
    if sparse:  # Keras too, on every backend but TensorFlow
        raise ValueError("`sparse=True` can only be used with the TensorFlow backend. "
                         "fastkeras has no sparse tensors: use sparse=False (dense outputs).")


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices from a vocabulary (given, or adapt()ed)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater "
                             f"than 1. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` "
                             f"must >= 0. Received: num_oov_indices={num_oov_indices}")
        _refuse_sparse(sparse)
        if vocabulary_dtype != "int64":
            raise ValueError(f"Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def _keys(self, data, what):
        return as_integers(data, what)

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config


class StringLookup(IndexLookup):
    """Maps strings to contiguous indices from a vocabulary (given, or adapt()ed)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None,
                 salt=None, **kwargs):
        _refuse_sparse(sparse)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _keys(self, data, what):
        return as_strings(data, what)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]  # always "string"
        config["encoding"] = self.encoding
        return config
