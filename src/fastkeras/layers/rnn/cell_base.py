"""What SimpleRNNCell, LSTMCell and GRUCell share: Keras's arguments, the three weights
(`kernel`, `recurrent_kernel`, `bias`), the dropout masks, and the split of a step into

* `input_projection(xs)`: x @ kernel + input bias for every timestep at once, one matmul
  over (steps*batch, features), done by RNN before its loop;
* `recurrent_step(z_t, states)`: the recurrent matmul and the gates, the scan's body.

`call(inputs, states)` (a cell used on its own, one step) is the two together."""

from __future__ import annotations

from ... import activations, constraints, initializers, ops, regularizers
from ...ops import random
from ..layer import Layer, shown_shape
from .sequence_ops import axis_slice

_WEIGHT_ARGS = ("kernel", "recurrent", "bias")


def _check_units(units):
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a "
                         f"positive integer, got {units}.")


class RecurrentCell(Layer):
    """Base of the built-in cells. Subclasses set `gates` (how many blocks of `units` the
    kernels hold) and write `recurrent_step`."""

    gates = 1
    has_recurrent_activation = True

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        _check_units(units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        for arg, value in zip(_WEIGHT_ARGS, (kernel_regularizer, recurrent_regularizer,
                                             bias_regularizer)):
            setattr(self, f"{arg}_regularizer", regularizers.get(value))
        for arg, value in zip(_WEIGHT_ARGS, (kernel_constraint, recurrent_constraint,
                                             bias_constraint)):
            setattr(self, f"{arg}_constraint", constraints.get(value))
        # Keras clips the rates into [0, 1] rather than refusing them.
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        if self.dropout > 0 or self.recurrent_dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.output_size = units

    # ---- weights -------------------------------------------------------------------------
    def bias_shape(self):
        return (self.gates * self.units,)

    def bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the last dimension of the "
                             f"inputs must be known, got input shape {input_shape}")
        width = self.gates * self.units
        self.kernel = self.add_weight((input_dim, width), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (self.units, width), self.recurrent_initializer, name="recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight(self.bias_shape(), self.bias_init(), name="bias",
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_dim = input_dim
        self.built = True

    def check_features(self, inputs, layer_name=None):
        if ops.shape(inputs)[-1] != self.input_dim:
            raise ValueError(f"Input 0 of layer {layer_name or self.name!r} is incompatible "
                             f"with the layer: expected axis -1 of input shape to have value "
                             f"{self.input_dim}, but received input with shape "
                             f"{shown_shape(inputs)}")

    # ---- dropout -------------------------------------------------------------------------
    def mask_count(self):
        """How many independent dropout masks a step uses: one per gate when recurrent
        dropout is on (Keras's implementation 1), else one."""
        return 1

    def dropout_masks(self, batch, training):
        """(input masks, recurrent masks) for one batch, each a list of `mask_count()`
        (batch, dim) scaled 0/1 masks, or None: drawn once and used at every step."""
        def draw(rate, dim):
            if not training or not 0.0 < rate < 1.0:
                return None
            ones = ops.ones((batch, dim), self.dtype)
            return [random.dropout(ones, rate, seed=self.seed_generator)
                    for _ in range(self.mask_count())]
        return draw(self.dropout, self.input_dim), draw(self.recurrent_dropout, self.units)

    # ---- the step, split in two ----------------------------------------------------------
    def input_bias(self):
        return self.bias

    def input_projection(self, inputs, masks=None):
        """inputs (..., features) @ kernel + input bias, one matmul for all leading axes;
        with per-gate dropout masks ((batch, features) each, inputs (steps, batch, f)),
        one product per gate."""
        if masks is None:
            z = ops.matmul(inputs, self.kernel)
        elif len(masks) == 1:
            z = ops.matmul(ops.multiply(inputs, masks[0]), self.kernel)
        else:
            z = ops.concatenate([ops.matmul(ops.multiply(inputs, m), self.gate_block(
                self.kernel, g)) for g, m in enumerate(masks)], axis=-1)
        bias = self.input_bias()
        return z if bias is None else ops.add(z, bias)

    def gate_block(self, kernel, g, count=1):
        """Columns of `count` gate blocks of a kernel, starting at gate g."""
        return axis_slice(kernel, 1, g * self.units, (g + count) * self.units)

    def recurrent_matmul(self, h, masks, first=0, count=None):
        """h @ recurrent_kernel over gates [first, first+count); with per-gate recurrent
        dropout masks, one product per gate."""
        count = self.gates - first if count is None else count
        if masks is None and first == 0 and count == self.gates:
            return ops.matmul(h, self.recurrent_kernel)
        if masks is None or len(masks) == 1:
            h = h if masks is None else ops.multiply(h, masks[0])
            return ops.matmul(h, self.gate_block(self.recurrent_kernel, first, count))
        parts = [ops.matmul(ops.multiply(h, masks[g]), self.gate_block(self.recurrent_kernel, g))
                 for g in range(first, first + count)]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)

    def recurrent_step(self, z, states, masks=None):
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        self.check_features(inputs)
        in_masks, rec_masks = self.dropout_masks(ops.shape(inputs)[0], training)
        output, new_states = self.recurrent_step(self.input_projection(inputs, in_masks),
                                                 states, rec_masks)
        return output, (new_states[0] if single and len(new_states) == 1 else new_states)

    @property
    def state_size(self):
        return self.units

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else \
            [self.state_size]
        return [ops.zeros((batch_size, d), self.dtype) for d in sizes]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        config["activation"] = activations.serialize(self.activation)
        if self.has_recurrent_activation:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["use_bias"] = self.use_bias
        for arg in ("kernel", "recurrent", "bias"):
            config[f"{arg}_initializer"] = initializers.serialize(
                getattr(self, f"{arg}_initializer"))
        for arg in _WEIGHT_ARGS:
            config[f"{arg}_regularizer"] = regularizers.serialize(
                getattr(self, f"{arg}_regularizer"))
        for arg in _WEIGHT_ARGS:
            config[f"{arg}_constraint"] = constraints.serialize(
                getattr(self, f"{arg}_constraint"))
        config.update(dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                      seed=self.seed)
        return config
