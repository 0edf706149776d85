"""Array helpers of keras.utils: `normalize` and `pad_sequences` (NumPy in, NumPy out)."""

from __future__ import annotations

import numpy as np


def normalize(x, axis=-1, order=2):
    """x divided by its `order`-norm along `axis` (a zero norm divides by 1), as Keras's
    keras.utils.normalize on arrays."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm = np.where(norm == 0, 1, norm)
    return x / np.expand_dims(norm, -1 if axis is None else axis)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """A (len(sequences), maxlen, ...) array: each sequence cut to its last (`truncating`
    "pre") or first ("post") `maxlen` items and placed at the end ("pre") or start ("post")
    of its row, the rest `value` (keras.utils.pad_sequences)."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, item_shape = [], None
    for seq in sequences:
        try:
            lengths.append(len(seq))
        except TypeError as e:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             f"{seq}") from e
        if item_shape is None and len(seq):
            item_shape = np.asarray(seq).shape[1:]  # the first non-empty one decides
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    text_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not text_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         "strings.")
    out = np.full((len(lengths), maxlen) + tuple(item_shape), value, dtype=dtype)
    for row, (seq, n) in enumerate(zip(sequences, lengths)):
        if not n or not maxlen:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {row} "
                             f"is different from expected shape {tuple(item_shape)}")
        if padding == "post":
            out[row, :len(kept)] = kept
        else:
            out[row, maxlen - len(kept):] = kept
    return out
