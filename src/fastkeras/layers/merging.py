"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and
their functional forms (keras.layers.add(...), ...). Each takes a list of tensors."""

from __future__ import annotations

import functools

from .. import ops
from .layer import Layer
from .masks import get_keras_mask, set_keras_mask
from .rnn.sequence_ops import float_mask, select


def _mask_list(inputs, mask):
    """The inputs' masks as a list (Keras's checks of compute_mask's arguments); None when
    no input has one."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(f"The lists `inputs` and `mask` should have the same length. "
                         f"Received: inputs={inputs} of length {len(inputs)}, and "
                         f"mask={mask} of length {len(mask)}")
    return list(mask)


def _logical_or(a, b):
    return ops.not_equal(ops.add(ops.cast(a, "int32"), ops.cast(b, "int32")), 0)


def _feature_mask(x):
    """x's mask (one entry a step) broadcast over x's features, or None."""
    mask = get_keras_mask(x)
    if mask is None:
        return None
    return ops.broadcast_to(ops.expand_dims(mask, -1), ops.shape(x))


def _select(mask, x, other):
    """x where `mask`, else `other` (Keras's ops.where; an exact choice for finite values)."""
    return select(float_mask(mask), x, other)


def _shapes(input_shape, layer):
    if not isinstance(input_shape, (list, tuple)) or not input_shape or \
            not isinstance(input_shape[0], (list, tuple)):
        raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                         f"input_shape={input_shape} (not a list of shapes) in layer "
                         f"{layer.name!r}")
    return [tuple(s) for s in input_shape]


class Merge(Layer):
    """Elementwise merges: inputs of one shape up to NumPy broadcasting of the sample axes."""

    def build(self, input_shape):
        shapes = _shapes(input_shape, self)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Received "
                             f"tensors with shapes {shapes}")
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._broadcast(out, s[1:], shapes)
        self.built = True

    @staticmethod
    def _broadcast(a, b, shapes):
        if len(a) < len(b):
            a, b = b, a
        out = list(a)
        for i, d in enumerate(b):
            j = len(a) - len(b) + i
            if d is None or a[j] is None:
                out[j] = None
            elif d != 1 and a[j] != 1 and d != a[j]:
                raise ValueError(f"Inputs have incompatible shapes. Received shapes "
                                 f"{tuple(a)} and {tuple(b)} (all inputs: {shapes})")
            else:
                out[j] = max(d, a[j]) if 1 in (d, a[j]) else d
        return tuple(out)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={inputs} (not a list of tensors)")
        nd = max(len(ops.shape(x)) for x in inputs)
        xs = []
        for x in inputs:  # Keras: lower-rank inputs get axes inserted after the batch axis
            while len(ops.shape(x)) < nd:
                x = ops.expand_dims(x, 1)
            xs.append(x)
        return self._merge_function(xs)

    _combine = None  # the elementwise op folding the inputs left to right

    def compute_mask(self, inputs, mask=None):
        """Keras 3: the OR of the inputs' masks; none when any input has none."""
        masks = _mask_list(inputs, mask)
        if masks is None or any(m is None for m in masks):
            return None
        return functools.reduce(_logical_or, masks)

    def _merge_function(self, inputs):
        return functools.reduce(type(self)._combine, inputs)


class Add(Merge):
    _combine = staticmethod(ops.add)


class Subtract(Merge):
    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: {len(inputs)} inputs")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    def _merge_function(self, inputs):
        """Keras 3.15: a masked input's padded steps count as 1 in the product; where every
        input is masked the output is 0 on the steps all of them pad, and carries their OR."""
        masks = [_feature_mask(x) for x in inputs]
        all_masked = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                x = _select(mask, x, 1.0)
                if all_masked:
                    output_mask = mask if output_mask is None else _logical_or(output_mask,
                                                                               mask)
            output = x if output is None else ops.multiply(output, x)
        if all_masked:
            output = _select(output_mask, output, 0.0)
            set_keras_mask(output, ops.any(output_mask, axis=-1))
        return output


class Average(Merge):
    _combine = staticmethod(ops.add)

    def _merge_function(self, inputs):
        return ops.divide(super()._merge_function(inputs), float(len(inputs)))


class _MaskedExtremum(Merge):
    """Maximum and Minimum (Keras 3.15's _apply_merge_op_and_or_mask): left to right, a
    masked input's padded steps take the running result's values, and the running result's
    padded steps take the input's, before the two are combined; the output carries the OR
    of the masks while every input so far had one."""

    def _merge_function(self, inputs):
        output = output_mask = None
        for i, x in enumerate(inputs):
            mask = _feature_mask(x)
            if i == 0:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = _select(mask, x, output)
            if output_mask is not None:
                output = _select(output_mask, output, x)
            output_mask = None if mask is None or output_mask is None else \
                _logical_or(output_mask, mask)
            output = type(self)._combine(output, x)
        if output_mask is not None:
            set_keras_mask(output, ops.any(output_mask, axis=-1))
        return output


class Maximum(_MaskedExtremum):
    _combine = staticmethod(ops.maximum)


class Minimum(_MaskedExtremum):
    _combine = staticmethod(ops.minimum)


class Concatenate(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        shapes = _shapes(input_shape, self)
        ranks = {len(s) for s in shapes}
        axis = self.axis % max(ranks) if ranks else 0
        reduced = {tuple(d for i, d in enumerate(s) if i != axis and i != 0) for s in shapes}
        if len(ranks) != 1 or len(reduced) != 1 or axis == 0:
            raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes "
                             f"except for the concatenation axis. Received: "
                             f"input_shape={shapes}")
        self.built = True

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras 3: each input's mask over its features (all True for an input without
        one) concatenated along the axis, then any() over the features: the step masks
        joined along a step axis, or OR-ed when joining the features."""
        masks = _mask_list(inputs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        rank = len(inputs[0].shape)
        steps = [_step_mask(x, m) for x, m in zip(inputs, masks)]
        if self.axis % rank == rank - 1:
            return functools.reduce(_logical_or, steps)
        return ops.concatenate(steps, axis=self.axis % rank)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _step_mask(x, mask):
    """An input's mask of one entry a step (x's shape without its features)."""
    if mask is None:  # every step real: a True of x's shape, whatever x's values
        as_bool = ops.cast(x, "bool")
        return ops.any(ops.equal(as_bool, as_bool), axis=-1)
    rank, x_rank = len(mask.shape), len(x.shape)
    if rank == x_rank:
        return ops.any(mask, axis=-1)
    if rank != x_rank - 1:
        raise ValueError(f"A `Concatenate` input's mask must have the input's rank or one "
                         f"less. Received: mask shape {mask.shape} for an input of "
                         f"shape {x.shape}")
    return mask


def _batch_dot(x, y, axes):
    """Keras's batch_dot: contracts axes[0] of x with axes[1] of y, sample by sample;
    (batch,) results become (batch, 1)."""
    sx, sy = ops.shape(x), ops.shape(y)
    if sx[axes[0]] != sy[axes[1]]:
        raise ValueError(f"Incompatible input shapes: axis values {sx[axes[0]]} (at "
                         f"{axes[0]}) != {sy[axes[1]]} (at {axes[1]}). Full input shapes: "
                         f"{sx}, {sy}")
    move = lambda t, s, a: ops.transpose(t, [i for i in range(len(s)) if i != a] + [a])  # noqa
    x, y = move(x, sx, axes[0]), move(y, sy, axes[1])
    rx, ry = len(sx) - 2, len(sy) - 2  # free sample axes of each
    for _ in range(ry):
        x = ops.expand_dims(x, -2)     # (b, *rx, 1.., d)
    for _ in range(rx):
        y = ops.expand_dims(y, 1)      # (b, 1.., *ry, d)
    out = ops.sum(ops.multiply(x, y), axis=-1)
    if len(ops.shape(out)) == 1:
        out = ops.expand_dims(out, 1)
    return out


class Dot(Layer):
    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or \
                    not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: expected a list of 2 "
                                 f"integers. Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def build(self, input_shape):
        shapes = _shapes(input_shape, self)
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={shapes}")
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return None  # Keras: supports masking (no warning), and the output has no mask

    def call(self, inputs):
        x1, x2 = inputs
        if isinstance(self.axes, int):
            axes = [self.axes % len(ops.shape(x1)), self.axes % len(ops.shape(x2))] \
                if self.axes < 0 else [self.axes] * 2
        else:
            axes = [a % len(ops.shape(t)) for a, t in zip(self.axes, (x1, x2))]
        if self.normalize:
            x1 = ops.normalize(x1, axis=axes[0])
            x2 = ops.normalize(x2, axis=axes[1])
        return _batch_dot(x1, x2, axes)

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"Functional interface to the `{cls.__name__}` layer."
    return merge


add, subtract, multiply, average = (_functional(c) for c in (Add, Subtract, Multiply, Average))
maximum, minimum = _functional(Maximum), _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    return Dot(axes=axes, **kwargs)(inputs)
