"""predict() over a generator or PyDataset (streams.py gives the batches): runs of
same-shaped batches gathered into one forward call, outputs joined along the batch axis."""

from __future__ import annotations

import itertools

import numpy as np

from .streams import MAX_CHUNK_ROWS, Stream, _leaf, _standardize, source


def predict(model, x, steps, callback_list):
    """predict() over a generator or PyDataset: each batch's inputs (the y and weights a
    batch may hold are ignored, as in Keras), runs of same-shaped batches gathered and run
    as one forward call; the outputs concatenated along the batch axis. `callback_list(n)`
    gives the call's CallbackList for n steps (loops.py makes it)."""
    stream = Stream(model, "predict", source(x), steps)
    stream.reset()
    cbs = callback_list(stream.steps)
    cbs.on_predict_begin()
    model.stop_predicting = False
    parts, done, chunk = [], 0, []
    for batch in itertools.chain(stream.batches(), [None]):
        inputs = None if batch is None else _standardize(batch, stream.src.kind)[0]
        if chunk and (inputs is None or _input_shapes(inputs) != _input_shapes(chunk[0])
                      or len(chunk) * _rows(chunk[0]) >= MAX_CHUNK_ROWS):
            out = model._forward_arrays(_concat(chunk), _rows(chunk[0]))
            parts.append(out)
            done += len(chunk)
            cbs.on_predict_batch_end(done - 1, {"outputs": out})
            chunk = []
            if model.stop_predicting:
                break
        if inputs is not None:
            chunk.append(inputs)
    cbs.on_predict_end()
    if not parts:
        raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                         "Please use `Model.compile(..., run_eagerly=True)`, or "
                         "`tf.config.run_functions_eagerly(True)` for more information of "
                         "where went wrong, or file a issue/bug to `tf.keras`.")
    return _concat(parts)


def _leaves(inputs):
    if isinstance(inputs, dict):
        return list(inputs.values())
    if isinstance(inputs, (list, tuple)) and inputs and not np.isscalar(inputs[0]) and \
            not isinstance(inputs[0], (list, tuple)):
        return list(inputs)
    return [inputs]


def _input_shapes(inputs):
    return tuple(np.shape(_leaf(a)) for a in _leaves(inputs))


def _rows(inputs):
    return len(_leaf(_leaves(inputs)[0]))


def _concat(parts):
    """Parts of one structure (an array, a list/tuple or a dict of arrays) joined by row."""
    first = parts[0]
    if isinstance(first, dict):
        return {k: _concat([p[k] for p in parts]) for k in first}
    if isinstance(first, (list, tuple)) and not np.isscalar(first[0]) and \
            not isinstance(first[0], (list, tuple)):
        return type(first)(_concat([p[i] for p in parts]) for i in range(len(first)))
    return np.concatenate([_leaf(p) for p in parts]) if len(parts) > 1 else _leaf(first)
