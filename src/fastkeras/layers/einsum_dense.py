"""EinsumDense: `activation(einsum(equation, inputs, kernel) + bias)` (Keras 3.15's layer).

The equation has one of Keras's three forms: "X,Y->Z", "...X,Y->...Z" (leading axes
elided) or "X...,Y->Z..." (trailing axes elided), X the input's labels, Y the kernel's and
Z the output's. `output_shape` gives the output's sizes after the batch axis (no ellipsis)
or after the elided axes (leading ellipsis). Each kernel axis takes its size from the
output when its label is there, else from the input; the bias covers the output's labels
from the first of `bias_axes` on, with size 1 where a label is not a bias axis."""

from __future__ import annotations

import math
import re

from .. import activations, constraints, initializers, ops, regularizers
from .layer import Layer, shown_shape

_FORMS = (  # (pattern, where the ellipsis is); "..." is replaced by "0" before matching
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), None),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$"), "left"),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$"), "right"),
)


def _split_equation(equation):
    """(input labels, kernel labels, output labels, ellipsis side or None)."""
    flat = equation.replace("...", "0") if isinstance(equation, str) else ""
    for pattern, side in _FORMS:
        match = pattern.match(flat)
        if match:
            return match.group(1), match.group(2), match.group(3), side
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


class EinsumShapes:
    """The shapes an equation gives for one input shape: kernel, bias (or None), the full
    output, and which kernel axes are input units and which output units (the fans)."""

    def __init__(self, equation, bias_axes, input_shape, partial_output_shape):
        in_spec, w_spec, out_spec, side = _split_equation(equation)
        input_shape = tuple(input_shape)
        elided = len(input_shape) - len(in_spec)
        if elided < 0 or (side is None and elided):
            raise ValueError(f"The einsum equation '{equation}' has {len(in_spec)} input "
                             f"label(s), but the input has shape {input_shape}")
        partial = list(partial_output_shape)
        if side == "left" and elided:  # the elided axes (batch first) lead the output
            lead, trail, first = list(input_shape[:elided]), [], elided
            expected = len(out_spec)
        else:  # the batch axis is the output's first label
            lead, trail, first = [input_shape[0]], [], 0
            expected = len(out_spec) - 1
            if side == "right":
                trail = list(input_shape[len(in_spec):])
        if len(partial) != expected:
            raise ValueError(f"`output_shape` {tuple(partial_output_shape)} should have "
                             f"{expected} value(s) for the equation '{equation}' (the "
                             "output's axes after the batch and elided axes)")
        output = lead + partial + trail
        in_offset = elided if side == "left" else 0
        in_size = {c: input_shape[i + in_offset] for i, c in enumerate(in_spec)}
        out_size = {c: output[i + first] for i, c in enumerate(out_spec)}
        for c in in_spec:
            if c in out_size and out_size[c] is not None and out_size[c] != in_size[c]:
                raise ValueError(f"Input shape and output shape do not match at shared "
                                 f"dimension '{c}'. Input shape is {in_size[c]}, and output "
                                 f"shape is {out_size[c]}.")
        for c in out_spec:
            if c not in in_spec and c not in w_spec:
                raise ValueError(f"Dimension '{c}' was specified in the output '{out_spec}' "
                                 f"but has no corresponding dim in the input spec "
                                 f"'{in_spec}' or weight spec '{w_spec}'")
        kernel, self.input_axes, self.output_axes = [], [], []
        for i, c in enumerate(w_spec):
            if c in out_size:
                size = out_size[c] if out_size[c] is not None else in_size.get(c)
                self.output_axes.append(i)
            elif c in in_size:
                size = in_size[c]
                self.input_axes.append(i)
            else:
                raise ValueError(f"Weight dimension '{c}' did not have a match in either the "
                                 f"input spec '{in_spec}' or the output spec '{out_spec}'. "
                                 "For this layer, the weight must be fully specified.")
            if size is None:
                raise ValueError(f"The size of the kernel's axis '{c}' of equation "
                                 f"'{equation}' is unknown: give it in `output_shape`")
            kernel.append(size)
        self.kernel_shape = tuple(kernel)
        self.output_shape = tuple(output)
        self.bias_shape = None
        if bias_axes is not None:
            for c in bias_axes:
                if c not in out_spec:
                    raise ValueError(f"Bias dimension '{c}' was requested, but is not part "
                                     f"of the output spec '{out_spec}'")
            start = min(out_spec.find(c) for c in bias_axes)
            self.bias_shape = tuple(out_size[c] if c in bias_axes else 1
                                    for c in out_spec[start:]) + (1,) * len(trail)


class _FanAwareInitializer:
    """A VarianceScaling initializer drawing as if its input units were the kernel's
    `input_axes` and its output units the `output_axes` (Keras clones it with those axes):
    the values are i.i.d., so a (fan_in, fan_out) draw reshaped is the same distribution."""

    def __init__(self, base, fans):
        self.base, self.fans = base, fans

    def __call__(self, shape, dtype="float32"):
        return self.base(self.fans, dtype=dtype).reshape(tuple(shape))


def with_kernel_fans(initializer, kernel_shape, input_axes, output_axes):
    """An EinsumDense kernel's initializer: a VarianceScaling one (glorot, he, lecun...) draws
    with the kernel's input axes as its fan-in and its output axes as its fan-out, as Keras's
    EinsumDense clones it; any other initializer is used as it is."""
    if isinstance(initializer, initializers.VarianceScaling) and (
            initializer.input_axes is None or initializer.output_axes is None):
        fans = (math.prod(kernel_shape[a] for a in input_axes),
                math.prod(kernel_shape[a] for a in output_axes))
        return _FanAwareInitializer(initializer, fans)
    return initializer


class EinsumDense(Layer):
    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha),
                           ("gptq_unpacked_column_size", gptq_unpacked_column_size),
                           ("quantization_config", quantization_config)):
            if value is not None:
                raise NotImplementedError(f"EinsumDense({arg}=...) is not supported yet by "
                                          "fastkeras")
        _split_equation(equation)  # a malformed equation fails here, not at build
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.lora_enabled = False
        self.quantization_config = None

    def _shapes(self, input_shape):
        return EinsumShapes(self.equation, self.bias_axes, input_shape,
                            self.partial_output_shape)

    def build(self, input_shape):
        shapes = self._shapes(input_shape)
        initializer = with_kernel_fans(self.kernel_initializer, shapes.kernel_shape,
                                       shapes.input_axes, shapes.output_axes)
        self.input_rank = len(tuple(input_shape))
        self.kernel = self.add_weight(shapes.kernel_shape, initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if shapes.bias_shape is not None:
            self.bias = self.add_weight(shapes.bias_shape, self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, training=None):
        if len(ops.shape(inputs)) != self.input_rank:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                             f"expected ndim={self.input_rank}, found "
                             f"ndim={len(ops.shape(inputs))}. Full shape received: "
                             f"{shown_shape(inputs)}")
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape).output_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape, "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        return config
