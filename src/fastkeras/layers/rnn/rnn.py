"""keras.layers.RNN: a cell run over the time axis as one `scan` node (ops/loops.py).

The built-in cells (cell_base.RecurrentCell) are split in two: the input projection of every
timestep is one matmul before the loop, and the loop body is only the recurrent product and
the gates. Any other cell (a user's, StackedRNNCells) runs whole inside the body.

Keras's semantics kept here: states start at zeros or `initial_state`; `go_backwards` reads
the steps last to first and returns the outputs in that order; at a step the mask drops, the
states are carried over and the output is the previous output (the first state), or zeros
with `zero_output_for_mask`; dropout masks are drawn once per call, the same at every step."""

from __future__ import annotations

from ... import ops
from ...graph import current_graph
from ..layer import Layer, name_scope, shown_shape
from .cell_base import RecurrentCell
from .cells import StackedRNNCells
from .sequence_ops import axis_slice, flip_leading, float_mask, select


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flat(item)]
    return [x]


def _sizes(state_size):
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


class RNN(Layer):
    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: "
                             f"cell={cell}")
        if getattr(cell, "state_size", None) is None:
            raise ValueError("The RNN cell should have a `state_size` attribute (single "
                             "integer or list of integers, one integer per RNN state). "
                             f"Received: cell={cell}")
        if stateful:
            raise NotImplementedError(
                f"{type(self).__name__}(stateful=True) is not supported by fastkeras: the "
                "compiled steps keep no state between batches. Pass the previous batch's "
                "final states as `initial_state` instead (return_state=True gives them).")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)  # accepted: the compiled plan always writes the loop out
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.single_state = isinstance(cell.state_size, int)
        self.state_size = _sizes(cell.state_size)

    # ---- shapes --------------------------------------------------------------------------
    def _check_input(self, sequences, exact_rank):
        shape = shown_shape(sequences)
        if len(shape) != 3 if exact_rank else len(shape) < 3:
            want = "ndim=3" if exact_rank else "min_ndim=3"
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: "
                             f"expected {want}, found ndim={len(shape)}. Full shape received: "
                             f"{shape}")

    def build(self, sequences_shape, initial_state_shape=None):
        self._check_input(_ShapeOnly(sequences_shape), isinstance(self.cell, RecurrentCell))
        if isinstance(self.cell, Layer) and not self.cell.built:
            with name_scope(self), name_scope(self.cell):
                self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
            self.cell.built = True
        self.built = True

    def compute_mask(self, inputs, mask):
        mask = _flat(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def get_initial_state(self, batch_size):
        if hasattr(self.cell, "get_initial_state"):
            state = self.cell.get_initial_state(batch_size=batch_size)
            return list(state) if isinstance(state, (list, tuple)) else [state]
        return [ops.zeros((batch_size, d), self.dtype) for d in self.state_size]

    def _initial_state(self, initial_state, batch):
        if initial_state is None:
            return self.get_initial_state(batch)
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
            [initial_state]
        given = [s if hasattr(s, "shape") and hasattr(s, "dtype") else
                 ops.convert_to_tensor(s, self.dtype) for s in given]
        want = self.get_initial_state(batch)
        if len(_flat(given)) != len(_flat(want)):
            raise ValueError(f"Layer {self.name!r} expects {len(_flat(want))} initial states "
                             f"(one per state of its cell), but received "
                             f"{len(_flat(given))}.")
        for s, w in zip(_flat(given), _flat(want)):
            if tuple(ops.shape(s)) != tuple(ops.shape(w)):
                raise ValueError(f"Layer {self.name!r}: an initial state has shape "
                                 f"{tuple(ops.shape(s))}, expected (batch, state_size) = "
                                 f"{tuple(ops.shape(w))}.")
        if len(given) != len(want):  # stacked cells: regroup the flat states per cell
            it = iter(_flat(given))
            given = _regroup(want, it)
        return given

    # ---- the loop ------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        fused = isinstance(self.cell, RecurrentCell)
        self._check_input(sequences, exact_rank=fused)
        if fused:
            self.cell.check_features(sequences, self.name)
        graph = current_graph()
        if graph is not None and graph.notes.get("step"):
            # The cells' weight penalties: a built-in cell is never called itself.
            for layer in self.layers_flat:
                layer._trace_regularizers(graph)
        batch = ops.shape(sequences)[0]
        states = self._initial_state(initial_state, batch)
        xs = ops.transpose(sequences, (1, 0) + tuple(range(2, len(ops.shape(sequences)))))
        keep = None
        if mask is not None:
            mask = _flat(mask)[0]
            keep = self._step_keep(mask)
        if self.go_backwards:
            xs = flip_leading(xs)
            keep = None if keep is None else flip_leading(keep)
        if fused:
            in_masks, rec_masks = self.cell.dropout_masks(batch, training)
            xs = self.cell.input_projection(xs, in_masks)

            def step(z_t, carry):
                return self.cell.recurrent_step(z_t, carry, rec_masks)
        else:
            def step(x_t, carry):
                out, new = self.cell(x_t, carry, training=training)
                return out, (list(new) if isinstance(new, (list, tuple)) else [new])

        # The built-in cells' output is their first state: the last output is then the
        # final carry, and no per-step outputs are kept unless asked for.
        need_ys = self.return_sequences or not fused or self.zero_output_for_mask
        # Keras's unrolled loop gives a masked step the previous *output* (zeros before the
        # first step) and has no zero_output_for_mask: carried as one more state here.
        unrolled_mask = self.unroll and keep is not None
        if unrolled_mask:
            states = list(states) + [ops.zeros((batch, self._output_size()), self.dtype)]

        def body(carry, x):
            x_t, keep_t = (x, None) if keep is None else x
            carry, prev_out = (carry[:-1], carry[-1]) if unrolled_mask else (carry, None)
            out, new = step(x_t, carry)
            if keep_t is not None:
                flat_old, flat_new = _flat(carry), _flat(new)
                merged = [select(keep_t, n, o) for n, o in zip(flat_new, flat_old)]
                new = _regroup(carry, iter(merged))
                if unrolled_mask:
                    out = select(keep_t, out, prev_out)
                    new = list(new) + [out]
                elif self.zero_output_for_mask:
                    out = ops.multiply(keep_t, out)
                else:
                    out = select(keep_t, out, _previous_output(carry))
            return new, (out if need_ys else None)

        final, ys = ops.scan(body, states, xs if keep is None else (xs, keep))
        final, last_out = (final[:-1], final[-1]) if unrolled_mask else (final, None)
        if self.return_sequences:
            output = ops.transpose(ys, (1, 0) + tuple(range(2, len(ops.shape(ys)))))
        elif unrolled_mask:
            output = last_out
        elif need_ys:
            last = ops.shape(ys)[0] - 1
            output = ops.squeeze(axis_slice(ys, 0, last, last + 1), axis=0)
        else:
            output = _previous_output(final)
        if self.return_state:
            return [output] + list(final)
        return output

    def _step_keep(self, mask):
        """The mask as a float (steps, batch, 1) multiplier of a step's (batch, size) states
        (ConvLSTM: of its (batch, *spatial, filters) states)."""
        return ops.expand_dims(ops.transpose(float_mask(mask), (1, 0)), -1)

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        return size if isinstance(size, int) else self.state_size[0]

    # Keras's state variables of a stateful RNN: none here (stateful=True is refused).
    states = None

    def reset_state(self):
        """Keras resets a stateful RNN's state variables; a stateless one has none."""

    reset_states = reset_state

    # ---- config --------------------------------------------------------------------------
    def get_config(self):
        from ...saving.serialization_lib import serialize_keras_object
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask)
        config["cell"] = serialize_keras_object(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _previous_output(states):
    """Keras: the previous output is the first state (of the last cell when stacked)."""
    first = states[0]
    return states[-1][0] if isinstance(first, (list, tuple)) else first


def _regroup(structure, it):
    if isinstance(structure, (list, tuple)):
        return [_regroup(s, it) for s in structure]
    return next(it)


class _ShapeOnly:
    def __init__(self, shape):
        self.shape = tuple(shape)
