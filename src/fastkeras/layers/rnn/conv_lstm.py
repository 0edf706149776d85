"""keras.layers.ConvLSTM1D, ConvLSTM2D, ConvLSTM3D: an LSTM whose input and recurrent
transformations are convolutions, run by RNN over the scan like the other built-in cells.

The cell is LSTMCell with its two products swapped for convolutions (kernel (*k, C, 4f),
recurrent_kernel (*k, f, 4f), gates side by side on the last axis in Keras's order i, f, c,
o), so RNN's split applies unchanged: the input convolution of every timestep is one conv
over (steps * batch) images before the loop, and the loop body is the recurrent 'same'
convolution of h plus LSTMCell's gates, taken per pixel (rows of 4f), which lets the fused
lstm_cell primitive run them. Keras's dropout: four masks shaped like a step's input (and
four like h), drawn once per call, one per gate.

The convolutions run channels_last; channels_first inputs, states and outputs are
transposed at the layer's edges (and at a lone cell's)."""

from __future__ import annotations

from ... import ops
from ...ops import random
from ...ops.conv import standardize_data_format
from ...ops.windows import conv_output_length, normalize_padding, normalize_tuple
from ..layer import shown_shape
from .cells import LSTMCell
from .recurrent import _CellLayer
from .sequence_ops import axis_slice


def _channels_last(x, rank):
    """(..., C, *spatial) -> (..., *spatial, C) for the last rank+1 axes."""
    n = len(ops.shape(x))
    lead = tuple(range(n - rank - 1))
    return ops.transpose(x, lead + tuple(range(n - rank, n)) + (n - rank - 1,))


def _channels_first(x, rank):
    """(..., *spatial, C) -> (..., C, *spatial) for the last rank+1 axes."""
    n = len(ops.shape(x))
    lead = tuple(range(n - rank - 1))
    return ops.transpose(x, lead + (n - 1,) + tuple(range(n - rank - 1, n - 1)))


class ConvLSTMCell(LSTMCell):
    """One timestep of a ConvLSTM of `rank` spatial axes (Keras's ConvLSTMCell)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        if rank not in (1, 2, 3):
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        super().__init__(filters, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Specifying `strides > 1` is not compatible with "
                             f"`dilation_rate > 1`. Please provide `strides=1` or "
                             f"`dilation_rate=1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        if not hasattr(self, "seed_generator"):  # Keras's cell always has one
            self.seed_generator = random.SeedGenerator(seed)

    # ---- shapes (channels_last inside; see _layout) ----------------------------------------
    def _last(self, shape):
        """A channels_first shape (batch..., C, *spatial) as channels_last."""
        shape = tuple(shape)
        if self.data_format == "channels_last":
            return shape
        r = self.rank
        return shape[:-r - 1] + shape[-r:] + (shape[-r - 1],)

    def output_spatial(self, spatial):
        return tuple(conv_output_length(n, k, s, self.padding, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, inputs_shape, states_shape=None):
        step = self._last(inputs_shape)
        shape = (step[0],) + self.output_spatial(step[1:-1]) + (self.filters,)
        if self.data_format == "channels_first":
            shape = (shape[0], self.filters) + shape[1:-1]
        return shape, [shape, shape]

    def build(self, input_shape, states_shape=None):
        step = self._last(input_shape)
        if len(step) != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={len(step)}. Full "
                             f"shape received: {tuple(input_shape)}")
        if None in step[1:-1]:
            raise ValueError("ConvLSTM layers only support static input shapes for the "
                             f"spatial dimension. Received invalid input shape: "
                             f"input_shape={tuple(input_shape)}")
        if step[-1] is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be "
                             f"defined. Found None. Full input shape received: "
                             f"input_shape={tuple(input_shape)}")
        out = self.output_spatial(step[1:-1])
        if min(out) <= 0:
            raise ValueError(f"Computed output size would be zero or negative. Received "
                             f"input shape {tuple(input_shape)}, kernel_size="
                             f"{self.kernel_size}, strides={self.strides}, dilation_rate="
                             f"{self.dilation_rate}, padding={self.padding}.")
        self.spatial_dims, self.state_spatial = tuple(step[1:-1]), out
        channels, width = step[-1], 4 * self.filters
        self.kernel = self.add_weight(self.kernel_size + (channels, width),
                                      self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            self.kernel_size + (self.filters, width), self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = self.add_weight((width,), self.bias_init(), name="bias",
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_dim = channels
        self.built = True

    def check_features(self, inputs, layer_name=None):
        """The trailing (*spatial, C) of a step (or of a sequence, channels_last) are the
        ones the cell was built for."""
        shape = shown_shape(inputs)
        want = self.spatial_dims + (self.input_dim,)
        if tuple(shape[-self.rank - 1:]) != want:
            raise ValueError(f"Input 0 of layer {layer_name or self.name!r} is incompatible "
                             f"with the layer: expected its trailing axes to be {want} "
                             f"(spatial..., channels), but received input with shape {shape}")

    # ---- dropout: Keras's four masks per call, shaped like a step's input / h -------------
    def mask_count(self):
        return 4

    def dropout_masks(self, batch, training):
        def draw(rate, shape):
            if not training or not 0.0 < rate < 1.0:
                return None
            ones = ops.ones((batch,) + shape, self.dtype)
            return [random.dropout(ones, rate, seed=self.seed_generator) for _ in range(4)]
        return (draw(self.dropout, self.spatial_dims + (self.input_dim,)),
                draw(self.recurrent_dropout, self.state_spatial + (self.filters,)))

    # ---- the two convolutions ----------------------------------------------------------
    def gate_block(self, kernel, g, count=1):
        return axis_slice(kernel, len(ops.shape(kernel)) - 1, g * self.units,
                          (g + count) * self.units)

    def _per_gate(self, x, masks, kernel, conv):
        """conv(x, kernel), or with dropout masks conv(x * mask_g, kernel's gate g) per gate."""
        if masks is None:
            return conv(x, kernel)
        return ops.concatenate([conv(ops.multiply(x, m), self.gate_block(kernel, g))
                                for g, m in enumerate(masks)], axis=-1)

    def _input_conv(self, x, kernel):
        """The strided input convolution of images with any leading axes (steps, batch)."""
        shape = ops.shape(x)
        lead, image = tuple(shape[:-self.rank - 1]), tuple(shape[-self.rank - 1:])
        y = ops.conv(ops.reshape(x, (-1,) + image), kernel, strides=self.strides,
                     padding=self.padding, dilation_rate=self.dilation_rate)
        return ops.reshape(y, lead + tuple(ops.shape(y)[1:]))

    def input_projection(self, inputs, masks=None):
        z = self._per_gate(inputs, masks, self.kernel, self._input_conv)
        return z if self.bias is None else ops.add(z, self.bias)

    def recurrent_matmul(self, h, masks, first=0, count=None):
        """Keras's recurrent convolution ('same', stride 1, no dilation) of h, as rows of
        4f per pixel: the shape LSTMCell.recurrent_step's gates take it in."""
        def conv(x, kernel):
            return ops.conv(x, kernel, strides=1, padding="same")
        inner = self._per_gate(h, masks, self.recurrent_kernel, conv)
        return ops.reshape(inner, (-1, 4 * self.filters))

    def recurrent_step(self, z, states, masks=None):
        h, c = states[0], states[1]
        shape = ops.shape(c)

        def rows(x):
            return ops.reshape(x, (-1, ops.shape(x)[-1]))
        # LSTMCell's step on pixels: it reads h only through recurrent_matmul (above).
        h, (_, c) = super().recurrent_step(rows(z), [h, rows(c)], masks)
        h, c = ops.reshape(h, shape), ops.reshape(c, shape)
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        shape = (batch_size,) + self.state_spatial + (self.filters,)
        return [ops.zeros(shape, self.dtype), ops.zeros(shape, self.dtype)]

    # ---- a lone cell: one step, in the cell's data_format ---------------------------------
    def call(self, inputs, states, training=False):
        if self.data_format == "channels_last":
            return super().call(inputs, states, training=training)
        last = [_channels_last(s, self.rank) for s in states]
        h, (h, c) = super().call(_channels_last(inputs, self.rank), last, training=training)
        h, c = _channels_first(h, self.rank), _channels_first(c, self.rank)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.pop("units")
        config.update(rank=self.rank, filters=self.filters, kernel_size=self.kernel_size,
                      strides=self.strides, padding=self.padding,
                      data_format=self.data_format, dilation_rate=self.dilation_rate)
        return config


_CONV_ATTRS = {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate"}


class ConvLSTM(_CellLayer):
    """Keras's ConvLSTM base: RNN over a ConvLSTMCell of `rank` spatial axes. Input
    (batch, time, *spatial, channels), or (batch, time, channels, *spatial)."""

    rank = None
    cell_name = "conv_lstm_cell"

    def cell_type(self, filters, **kwargs):
        return ConvLSTMCell(self.rank, filters, **kwargs)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        if "use_cudnn" in kwargs:  # an LSTM argument, not a ConvLSTM one
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{{'use_cudnn': {kwargs['use_cudnn']!r}}}")
        super().__init__(
            filters, activity_regularizer=activity_regularizer, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, **kwargs)

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CONV_ATTRS:
            return getattr(cell, name)
        return super().__getattr__(name)

    def _check_input(self, sequences, exact_rank):
        shape = shown_shape(sequences)
        if len(shape) != self.rank + 3:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: "
                             f"expected ndim={self.rank + 3}, found ndim={len(shape)}. Full "
                             f"shape received: {shape}")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = self.cell.compute_output_shape((batch,) + tuple(sequences_shape[2:]))[0]
        output = (batch, steps) + state[1:] if self.return_sequences else state
        return (output, state, state) if self.return_state else output

    def _step_keep(self, mask):
        keep = super()._step_keep(mask)  # (steps, batch, 1): broadcast over the image too
        return ops.reshape(keep, tuple(ops.shape(keep)[:2]) + (1,) * (self.rank + 1))

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if mask is not None and self.unroll:
            raise NotImplementedError(f"{type(self).__name__} with unroll=True and a mask is "
                                      "not supported by fastkeras; leave unroll=False (the "
                                      "compiled loop is written out either way).")
        if self.data_format == "channels_last":
            return super().call(sequences, initial_state=initial_state, mask=mask,
                                training=training)
        # channels_first: the cell convolves channels_last; transpose at the edges.
        if initial_state is not None:
            initial_state = [_channels_last(s, self.rank) for s in initial_state]
        out = super().call(_channels_last(sequences, self.rank), initial_state=initial_state,
                           mask=mask, training=training)
        if isinstance(out, list):
            return [_channels_first(o, self.rank) for o in out]
        return _channels_first(out, self.rank)

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM: inputs (batch, time, steps, channels)."""
    rank = 1


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: inputs (batch, time, rows, cols, channels)."""
    rank = 2


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM: inputs (batch, time, dim1, dim2, dim3, channels)."""
    rank = 3
