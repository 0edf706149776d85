"""keras.layers.SimpleRNNCell, LSTMCell, GRUCell (one timestep each; RNN runs them over a
sequence) and StackedRNNCells. The kernels hold the gates side by side, in Keras's order:
LSTM i, f, c, o; GRU z, r, h."""

from __future__ import annotations

from ... import activations, initializers, ops
from ...graph import bind
from ...ops.core import dtype_of
from ..layer import Layer, name_scope
from .cell_base import RecurrentCell
from .sequence_ops import split


class SimpleRNNCell(RecurrentCell):
    """h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)."""

    has_recurrent_activation = False

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=None,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)

    def recurrent_step(self, z, states, masks=None):
        h = self.activation(ops.add(z, self.recurrent_matmul(states[0], masks)))
        return h, [h]


class _GatedCell(RecurrentCell):
    """LSTM and GRU: Keras's `implementation` (1: a product per gate, which recurrent
    dropout forces, with a dropout mask per gate; 2: one product for all gates)."""

    def __init__(self, units, implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation

    def mask_count(self):
        return self.gates if self.implementation == 1 else 1

    def fused_step(self, *operands):
        """Whether the step may run as one fused cell primitive (graph/primitives/
        recurrent.py): Keras's default activations, operands of one dtype."""
        return (self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid
                and len({dtype_of(x) for x in operands}) == 1)


class LSTMCell(_GatedCell):
    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, units = self.bias_initializer, self.units

        def forget_ones(shape, dtype="float32"):  # Keras: the forget gate's bias starts at 1
            return ops.concatenate([init((units,), dtype=dtype),
                                    initializers.get("ones")((units,), dtype=dtype),
                                    init((2 * units,), dtype=dtype)], axis=0)
        return forget_ones

    def recurrent_step(self, z, states, masks=None):
        h, c = states[0], states[1]
        inner = self.recurrent_matmul(h, masks)
        if self.fused_step(z, inner, c):
            h, c, _ = bind("lstm_cell", z, inner, c)
            return h, [h, c]
        i, f, g, o = split(ops.add(z, inner), 4, axis=-1)
        act, gate = self.activation, self.recurrent_activation
        c = ops.add(ops.multiply(gate(f), c), ops.multiply(gate(i), act(g)))
        h = ops.multiply(gate(o), act(c))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_GatedCell):
    """reset_after=True (Keras 3's default): the reset gate multiplies the recurrent
    product, which has its own bias (bias shape (2, 3*units): input row, recurrent row)."""

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.reset_after = bool(reset_after)

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return ops.reshape(split(self.bias, 2, axis=0)[0], (3 * self.units,))

    def recurrent_step(self, z, states, masks=None):
        h = states[0]
        gate = self.recurrent_activation
        if self.reset_after:
            inner = self.recurrent_matmul(h, masks)
            if self.bias is not None:
                inner = ops.add(inner, ops.reshape(split(self.bias, 2, axis=0)[1],
                                                   (3 * self.units,)))
            if self.fused_step(z, inner, h):
                h, _ = bind("gru_cell", z, inner, h)
                return h, [h]
            x_z, x_r, x_h = split(z, 3, axis=-1)
            r_z, r_r, r_h = split(inner, 3, axis=-1)
            r = gate(ops.add(x_r, r_r))
            candidate = ops.multiply(r, r_h)
        else:
            x_z, x_r, x_h = split(z, 3, axis=-1)
            r_z, r_r = split(self.recurrent_matmul(h, masks, 0, 2), 2, axis=-1)
            r = gate(ops.add(x_r, r_r))
            h_masks = None if masks is None else [masks[-1]]
            candidate = self.recurrent_matmul(ops.multiply(r, h), h_masks, 2, 1)
        z_gate = gate(ops.add(x_z, r_z))
        hh = self.activation(ops.add(x_h, candidate))
        h = ops.add(ops.multiply(z_gate, h), ops.multiply(ops.subtract(1.0, z_gate), hh))
        return h, [h]

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        config.update(reset_after=self.reset_after, seed=seed)
        return config


class StackedRNNCells(Layer):
    """Cells run one after the other within each step (RNN([cell, cell, ...]))."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError(f"All cells must have a `call` method. Received cell without "
                                 f"a `call` method: {cell}")
            if not hasattr(cell, "state_size"):
                raise ValueError(f"All cells must have a `state_size` attribute. Received "
                                 f"cell without a `state_size`: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size[0] if isinstance(size, (list, tuple)) else size

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            if hasattr(cell, "get_initial_state"):
                out.append(cell.get_initial_state(batch_size=batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else \
                    [cell.state_size]
                out.append([ops.zeros((batch_size, d), self.dtype) for d in sizes])
        return out

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                with name_scope(self), name_scope(cell):
                    cell.build(input_shape)
                cell.built = True
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) \
                    else cell.state_size
            input_shape = (input_shape[0], size)
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = isinstance(cell_states, (list, tuple))
            inputs, cell_states = cell(inputs, list(cell_states) if nested else [cell_states],
                                       training=training)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            new_states.append(list(cell_states) if nested or len(cell_states) > 1
                              else cell_states[0])
        return inputs, new_states

    def get_config(self):
        from ...saving.serialization_lib import serialize_keras_object
        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
