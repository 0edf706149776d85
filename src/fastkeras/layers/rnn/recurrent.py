"""keras.layers.SimpleRNN, LSTM and GRU: RNN over the matching built-in cell, with the cell's
arguments as the layer's own (read through to the cell) and Keras's flat config."""

from __future__ import annotations

from .cells import GRUCell, LSTMCell, SimpleRNNCell
from .rnn import RNN

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask")


class _CellLayer(RNN):
    """An RNN whose cell is made from the layer's own arguments. `cell_type` is the cell,
    `cell_name` Keras's name for it ("lstm_cell"), `cell_args` the arguments it takes."""

    cell_type = None
    cell_name = None
    config_has_seed = True

    def __init__(self, units, activity_regularizer=None, **kwargs):
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        use_cudnn = kwargs.pop("use_cudnn", "auto")
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one "
                             f"of {{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
        layer_kwargs = {k: kwargs.pop(k) for k in ("name", "dtype", "trainable", "input_shape",
                                                    "batch_input_shape", "input_dim")
                        if k in kwargs}
        cell = self.cell_type(units, dtype=layer_kwargs.get("dtype"),
                              trainable=layer_kwargs.get("trainable", True),
                              name=self.cell_name, **kwargs)
        super().__init__(cell, activity_regularizer=activity_regularizer, **rnn_kwargs,
                         **layer_kwargs)
        self.use_cudnn = use_cudnn

    def __getattr__(self, name):
        # units, activation, initializers, dropout ...: the cell's (Keras's properties).
        if name.startswith("_") or name in ("cell",):
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ATTRS:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)

    def get_config(self):
        cell_config = self.cell.get_config()
        config = super().get_config()
        del config["cell"]
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        if not self.config_has_seed:
            cell_config.pop("seed", None)
        config.update(cell_config)
        from ... import regularizers
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        from ..layer import Layer
        return Layer.from_config.__func__(cls, config)


_CELL_ATTRS = {"units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
               "kernel_initializer", "recurrent_initializer", "bias_initializer",
               "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
               "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
               "recurrent_dropout", "reset_after", "seed", "implementation"}


class SimpleRNN(_CellLayer):
    cell_type, cell_name = SimpleRNNCell, "simple_rnn_cell"
    config_has_seed = False  # Keras 3.15's SimpleRNN.get_config has no seed


class LSTM(_CellLayer):
    cell_type, cell_name = LSTMCell, "lstm_cell"


class GRU(_CellLayer):
    cell_type, cell_name = GRUCell, "gru_cell"
