"""Indexing: get_item (x[...]) and slicing (keras.ops names).

Both are composites of the `slice`, `take` and `reshape` primitives, so they run eagerly,
record in a trace and have gradients (slice's is a pad, take's a scatter_add)."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable, bind, current_graph
from .core import convert, shape_of
from .numpy import reshape, take, transpose

__all__ = ["get_item", "slice"]

_slice = slice  # this module's `slice` is the op


def _is_int(k):
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _index_array(k):
    """An array index (NumPy array, list, int or bool tensor) as an array or tensor, or None
    when `k` is not one."""
    if isinstance(k, (Tensor, Variable)):
        return k
    if isinstance(k, (list, np.ndarray)):
        a = np.asarray(k)
        if a.dtype.kind not in "iub" and a.size:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and integer "
                             f"or boolean arrays are valid indices; got an array of {a.dtype}")
        return a.astype(np.int32) if a.dtype.kind != "b" else a
    return None


def _normalize_key(key, ndim):
    """The key as a list of entries (int, slice, None or index array), its Ellipsis expanded
    and trailing full slices added, so that the entries consume exactly `ndim` axes; and
    whether its advanced entries (ints and arrays) are side by side (anything between them,
    an Ellipsis of no axes too, parts them in NumPy's rule)."""
    key = list(key) if isinstance(key, tuple) else [key]
    entries = []
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, _slice):
            entries.append(k)
            continue
        if _is_int(k):
            entries.append(int(k))  # NumPy's integers too
            continue
        a = _index_array(k)
        if a is None:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and integer "
                             f"or boolean arrays are valid indices; got {type(k).__name__}")
        entries.append(int(a) if isinstance(a, np.ndarray) and a.ndim == 0 and
                       a.dtype.kind != "b" else a)
    ellipses = [i for i, k in enumerate(entries) if k is Ellipsis]  # `is`: arrays in the key
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for k in entries if k is not None and k is not Ellipsis)
    if used > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed")
    advanced = [i for i, k in enumerate(entries)
                if k is not None and k is not Ellipsis and not isinstance(k, _slice)]
    adjacent = not advanced or advanced[-1] - advanced[0] == len(advanced) - 1
    fill = [_slice(None)] * (ndim - used)
    if ellipses:
        return entries[:ellipses[0]] + fill + entries[ellipses[0] + 1:], adjacent
    return entries + fill, adjacent


def _is_mask(k):
    """A boolean array index (a Python bool is not one)."""
    if isinstance(k, (Tensor, Variable)):
        return k.dtype == "bool"
    return isinstance(k, (list, np.ndarray)) and np.asarray(k).dtype == np.bool_


def _check_int(i, size, axis):
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {size}")
    return i % size


def _slice_axis(x, axis, s, size):
    """x[..., s, ...] on `axis` for a Python slice: one `slice` primitive for step 1, a
    `take` of the constant positions otherwise (an empty range is an empty slice)."""
    start, stop, step = s.indices(size)
    positions = range(start, stop, step)
    if not positions:
        return _bind_slice(x, axis, 0, 0)
    if step == 1 or len(positions) == 1:
        if positions[0] == 0 and len(positions) == size:
            return x
        return _bind_slice(x, axis, positions[0], positions[0] + len(positions))
    return take(x, np.asarray(positions, dtype=np.int32), axis=axis)


def _bind_slice(x, axis, start, stop):
    return bind("slice", x, axis=axis, start=start, stop=stop)


def get_item(x, key):
    """`x[key]` (keras.ops.get_item), NumPy's rules: ints (negative from the end), slices
    with any step, None (a new axis), one Ellipsis, and one integer array or list (a
    `take` along its axis; with int entries NumPy counts as advanced indices, its axes go
    first when those are not side by side). A boolean mask has a data-dependent shape: it
    works on concrete values and is refused inside a trace. An out-of-range int raises
    IndexError as NumPy does (JAX clamps it)."""
    x = convert(x)
    if any(_is_mask(k) for k in (key if isinstance(key, tuple) else (key,))):
        return _masked(x, key)
    shape = shape_of(x)
    entries, adjacent = _normalize_key(key, len(shape))
    arrays = [i for i, k in enumerate(entries) if not isinstance(k, (int, _slice, type(None)))]
    if len(arrays) > 1:
        raise NotImplementedError("get_item: fastkeras supports one integer array index per "
                                  f"key; got {len(arrays)}")
    out_shape, axis, array_at = [], 0, None
    for k in entries:
        if k is None:
            out_shape.append(1)
            continue
        size = shape[axis]
        if isinstance(k, int):
            i = _check_int(k, size, axis)
            x = _bind_slice(x, axis, i, i + 1)  # kept as a 1-long axis; dropped below
            axis += 1
        elif isinstance(k, _slice):
            x = _slice_axis(x, axis, k, size)
            out_shape.append(shape_of(x)[axis])
            axis += 1
        else:
            if isinstance(k, np.ndarray):
                k = np.where(k < 0, k + size, k) if k.size else k
                if k.size and (k.min() < 0 or k.max() >= size):
                    bad = k[(k < 0) | (k >= size)].reshape(-1)[0]
                    raise IndexError(f"index {int(bad) - (size if bad < 0 else 0)} is out of "
                                     f"bounds for axis {axis} with size {size}")
            index_shape = list(shape_of(k))
            x = take(x, k, axis=axis)
            shape = shape[:axis] + tuple(index_shape) + shape[axis + 1:]
            array_at = len(out_shape)
            out_shape.extend(index_shape)
            axis += len(index_shape)
    x = reshape(x, tuple(out_shape))
    if array_at and not adjacent:
        # NumPy puts the axes of the advanced indices (the array and, with it, any ints)
        # first when those are not side by side in the key.
        count = len(shape_of(entries[arrays[0]]))
        rest = [a for a in range(len(out_shape)) if not array_at <= a < array_at + count]
        x = transpose(x, list(range(array_at, array_at + count)) + rest)
    return x


def _masked(x, key):
    """x[mask]: NumPy's boolean indexing on concrete values."""
    parts = key if isinstance(key, tuple) else (key,)
    if isinstance(x, Tensor) or any(isinstance(k, Tensor) for k in parts) or (
            current_graph() is not None and (isinstance(x, Variable) or any(
                isinstance(k, Variable) for k in parts))):
        raise IndexError("get_item: a boolean mask index gives a shape that depends on the "
                         "data, which a traced step cannot have; use ops.where or multiply "
                         "by the mask instead")
    value = np.asarray(x.value if isinstance(x, Variable) else x)
    return value[tuple(np.asarray(k.value) if isinstance(k, Variable) else
                       np.asarray(k) if isinstance(k, list) else k for k in parts)]


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """inputs[start:start + shape] on every axis (keras.ops.slice); a -1 in `shape` takes
    the rest of that axis. As Keras's JAX backend (lax.dynamic_slice), a start that would
    run past the end is moved back so that the slice fits. `start_indices` are constants
    here: a tensor of starts raises NotImplementedError."""
    x = convert(inputs)
    dims = shape_of(x)
    if isinstance(start_indices, (Tensor, Variable)):
        raise NotImplementedError("ops.slice: fastkeras needs constant `start_indices` (ints); "
                                  "got a tensor")
    starts = [int(s) for s in np.asarray(start_indices).reshape(-1)]
    sizes = [int(s) for s in (shape if not isinstance(shape, int) else (shape,))]
    if len(sizes) != len(dims):
        raise ValueError("The number of dimensions in `inputs` must match the number of "
                         f"dimensions in `shape`. Received inputs.shape={dims} and "
                         f"shape={tuple(sizes)}")
    if len(starts) != len(dims):
        raise ValueError("The number of dimensions in `start_indices` must match the number "
                         f"of dimensions in `inputs`. Received start_indices={starts} and "
                         f"inputs.shape={dims}")
    for axis, (start, size, dim) in enumerate(zip(starts, sizes, dims)):
        size = dim - start if size == -1 else size
        if not 0 <= size <= dim:
            raise ValueError(f"ops.slice: size {size} on axis {axis} does not fit its "
                             f"{dim} elements (start {start})")
        start = min(max(start, 0), dim - size)
        if size != dim:
            x = _bind_slice(x, axis, start, start + size)
    return x
