"""The Loss base class and Keras 3's reduction of per-sample loss values
(keras/src/losses/loss.py): sample weights, masks and the five reductions.

A loss's `call(y_true, y_pred)` gives per-sample values written with `fastkeras.ops`, so the
same code runs eagerly on arrays and is traced into the native training step; `__call__`
(and the trainers, through `reduce_values`) reduce them."""

from __future__ import annotations

import collections
import math

from .. import ops
from ..config import floatx
from ..ops.core import convert, dtype_of, shape_of, standardize_dtype
from ..utils.naming import to_snake_case, unique_name

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")

# Keras attaches a loss's mask to the values tensor (`_keras_mask`, set by
# sparse_categorical_crossentropy's ignore_class); graph Tensors have __slots__, so the mask
# is kept here by the values' identity (the values are held, so the id stays theirs) until
# the reduction reads it. Bounded: a mask never reduced is dropped with the oldest.
_MASKS: collections.OrderedDict = collections.OrderedDict()
_MAX_MASKS = 64


def set_keras_mask(values, mask):
    """Attach a boolean `mask` (values' shape) to `values`; returns `values`."""
    _MASKS[id(values)] = (values, mask)
    _MASKS.move_to_end(id(values))
    while len(_MASKS) > _MAX_MASKS:
        _MASKS.popitem(last=False)
    return values


def get_keras_mask(values):
    entry = _MASKS.get(id(values))
    return entry[1] if entry is not None and entry[0] is values else None


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{set(REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rule before a loss or metric function compares targets with predictions:
    where the ranks differ by one and the longer ends in a 1, that axis is squeezed (or, for
    a rank-1 partner, the partner expanded)."""
    r1, r2 = len(shape_of(x1)), len(shape_of(x2))
    if r1 == r2 + 1 and shape_of(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    if r2 == r1 + 1 and shape_of(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x, y):
    """x / y, and 0 where y == 0 (Keras's op, for the reductions' divisors)."""
    if isinstance(y, (int, float)):  # a static count
        return ops.divide(x, float(y)) if y else ops.multiply(x, 0.0)
    zero = ops.cast(ops.equal(y, 0.0), dtype_of(y))
    return ops.multiply(ops.divide(x, ops.add(y, zero)), ops.subtract(1.0, zero))


def prediction_mask(y_pred, values):
    """The mask a loss reduction applies (Keras's Loss.__call__): the mask riding on the
    predictions (a masked sequence output, layers/masks.py) AND the one the loss attached to
    its values (ignore_class); None when neither has one."""
    from ..layers.masks import get_keras_mask as tensor_mask  # a layer output's mask
    in_mask, out_mask = tensor_mask(y_pred), get_keras_mask(values)
    if in_mask is None or out_mask is None:
        return out_mask if in_mask is None else in_mask
    both = ops.multiply(ops.cast(in_mask, "float32"), ops.cast(out_mask, "float32"))
    return ops.greater(both, 0.0)


def apply_mask(sample_weight, mask, dtype, reduction):
    """The mask merged into the sample weights (Keras's apply_mask): for the mean
    reductions a kept value weighs total / kept, so the mean is over the kept ones (the
    count of the whole batch's kept values: such a mean mixes the batch's rows)."""
    if mask is None:
        return sample_weight
    float_mask = ops.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(math.prod(shape_of(mask)))
        float_mask = ops.multiply(float_mask, divide_no_nan(total, ops.sum(float_mask)))
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    # One weight a sample (fastkeras takes (n,) as Keras's (n, 1); Keras broadcasts (n,)
    # against the mask's last axis and fails): it weighs each of the sample's steps.
    sample_weight = _expand_trailing(sample_weight, len(shape_of(float_mask)))
    return ops.multiply(sample_weight, float_mask)


def _expand_trailing(weights, rank):
    """Per-sample weights given trailing axes of 1 up to `rank` (they broadcast over steps)."""
    while len(shape_of(weights)) < rank:
        weights = ops.expand_dims(weights, -1)
    return weights


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Keras's reduce_weighted_values: weights (and mask) times the values, then reduced."""
    reduction = standardize_reduction(reduction)
    values = convert(values, standardize_dtype(dtype) if dtype else None)
    vdtype = dtype_of(values)
    if sample_weight is not None:
        sample_weight = convert(sample_weight, vdtype)
    sample_weight = apply_mask(sample_weight, mask, vdtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        # Per-sample weights of per-timestep values: broadcast over the trailing axes.
        sample_weight = _expand_trailing(sample_weight, len(shape_of(values)))
        values = ops.multiply(values, sample_weight)
    shape = tuple(shape_of(values))
    if reduction in (None, "none") or shape in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(loss, ops.sum(sample_weight))
    return divide_no_nan(loss, float(math.prod(shape)))


def reduce_values(values, reduction="sum_over_batch_size", sample_weight=None, y_pred=None):
    """The reduction of a loss's `call()` values, weighted by the mask it attached and the
    one riding on `y_pred` (prediction_mask): what the trainers record into the step."""
    return reduce_weighted_values(values, sample_weight, prediction_mask(y_pred, values),
                                  reduction)


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` -> per-sample values, written
    with `fastkeras.ops` (traced into the native step)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = standardize_dtype(dtype or floatx())

    @property
    def dtype(self):
        return self._dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        raw_pred = y_pred  # its mask, read before the conversion may copy it
        y_true, y_pred = convert(y_true, self.dtype), convert(y_pred, self.dtype)
        values = self.call(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, prediction_mask(raw_pred, values),
                                      self.reduction, self.dtype)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A loss function (y_true, y_pred, **kwargs) -> per-sample values, as a Loss."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    @property
    def fn_kwargs(self):  # fastkeras's earlier name of Keras's `_fn_kwargs`
        return self._fn_kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true), convert(y_pred))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            from ..saving.serialization_lib import deserialize_keras_object
            config = dict(config, fn=deserialize_keras_object(config["fn"]))
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class BuiltinLoss(LossFunctionWrapper):
    """A Keras loss class over one loss function: its config is Loss's plus the options
    named in `_config_keys` (Keras's get_config of each class)."""

    _config_keys: tuple = ()

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key in self._config_keys:  # Keras keeps the configured options as attributes
            setattr(self, key, kwargs[key])

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: self._fn_kwargs[k] for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"
