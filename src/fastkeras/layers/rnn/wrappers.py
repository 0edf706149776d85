"""keras.layers.Wrapper, TimeDistributed and Bidirectional.

TimeDistributed folds the time axis into the batch ((batch, steps, ...) -> (batch*steps,
...)), calls the wrapped layer once and unfolds: one call, one set of kernels, for every
layer whose rows do not see each other. A layer holding a BatchNormalization is the
exception (its batch statistics would span the steps): it is called step by step, as
Keras does for every layer."""

from __future__ import annotations

import numpy as np

from ... import ops
from ..layer import Layer, name_scope, shown_shape
from ..normalization import BatchNormalization


def _serialize(layer):
    from ...saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


def _deserialize(config, custom_objects=None):
    from ...saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects)


def _build_sublayer(parent, layer, shape):
    """Builds `layer` inside `parent`'s name scope (its weights' paths under parent's name,
    also when parent.build() is called directly)."""
    if not layer.built:
        with name_scope(parent), name_scope(layer):
            layer.build(shape)
        layer.built = True


def _takes(layer, name):
    import inspect
    params = inspect.signature(layer.call).parameters
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class Wrapper(Layer):
    """A layer around another layer (keras.layers.Wrapper): its config holds the wrapped
    layer's."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer "
                             "type. Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        _build_sublayer(self, self.layer, input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True  # the mask of the steps passes through (Keras 3)

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        super().build(self._child_shape(tuple(input_shape)))

    def _mixes_rows(self):
        return any(isinstance(l, BatchNormalization) for l in [self.layer] +
                   self.layer.layers_flat)

    def call(self, inputs, training=None, mask=None):
        shape = tuple(ops.shape(inputs))
        self._child_shape(shown_shape(inputs))
        if mask is not None:
            m_shape = tuple(ops.shape(mask))
            if len(m_shape) < 2:
                raise ValueError("The `mask` passed to the `TimeDistributed` layer must be at "
                                 "least 2D (e.g., `(batch_size, timesteps)`), but it has "
                                 f"{len(m_shape)} dimension(s) with shape {m_shape}.")
            if m_shape[:2] != shape[:2]:
                raise ValueError(f"The `mask` passed to the `TimeDistributed` layer has a shape "
                                 f"{m_shape} that is incompatible with the input shape "
                                 f"{shape}. The first two dimensions of the mask (batch size "
                                 "and timesteps) must match the input's first two dimensions.")
        kwargs = {}
        if training is not None and _takes(self.layer, "training"):
            kwargs["training"] = training
        pass_mask = mask is not None and _takes(self.layer, "mask")
        batch, steps = shape[0], shape[1]
        if not self._mixes_rows():
            if pass_mask:
                kwargs["mask"] = ops.reshape(mask, (batch * steps,) + tuple(ops.shape(mask))[2:])
            out = self.layer(ops.reshape(inputs, (batch * steps,) + shape[2:]), **kwargs)
            return ops.reshape(out, (batch, steps) + tuple(ops.shape(out))[1:])
        outs = []
        for t in range(steps):
            if pass_mask:
                kwargs["mask"] = ops.take(mask, np.array(t, np.int32), axis=1)
            y = self.layer(ops.take(inputs, np.array(t, np.int32), axis=1), **kwargs)
            outs.append(ops.expand_dims(y, 1))
        return ops.concatenate(outs, axis=1)

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _renamed(layer, prefix, **changes):
    config = _serialize(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"] = {**config["config"], "name": prefix + name, **changes}
    return _deserialize(config)


class Bidirectional(Layer):
    """A recurrent layer run forwards and a copy (go_backwards=True) run backwards, their
    outputs merged; weights: the forward layer's, then the backward layer's."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _renamed(layer, "forward_")
        self.backward_layer = backward_layer if backward_layer is not None else \
            _renamed(layer, "backward_", go_backwards=True)
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            # Keras: padded steps give zeros in each direction's sequence before merging.
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def _verify(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{fwd.go_backwards}, backward_layer.go_backwards="
                             f"{bwd.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(f"Forward layer and backward layer are expected to have the "
                                 f'same value for attribute "{attr}", got '
                                 f'"{getattr(fwd, attr)}" for forward layer and '
                                 f'"{getattr(bwd, attr)}" for backward layer')

    def build(self, sequences_shape, initial_state_shape=None):
        _build_sublayer(self, self.forward_layer, sequences_shape)
        _build_sublayer(self, self.backward_layer, sequences_shape)
        self.built = True
        if self._initial_weights:
            weights, self._initial_weights = self._initial_weights, None
            half = len(weights) // 2
            self.forward_layer.set_weights(weights[:half])
            self.backward_layer.set_weights(weights[half:])

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if _takes(self.forward_layer, "training"):
            kwargs["training"] = training
        if _takes(self.forward_layer, "mask"):
            kwargs["mask"] = mask
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fwd_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:  # back into the forward order of the steps
            steps = ops.shape(y_rev)[1]
            y_rev = ops.take(y_rev, np.arange(steps - 1, -1, -1, dtype=np.int32), axis=1)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = ops.divide(ops.add(y, y_rev), 2.0)
        elif self.merge_mode == "mul":
            output = ops.multiply(y, y_rev)
        else:
            output = (y, y_rev)
        if self.return_state:
            return (list(output) if self.merge_mode is None else [output]) + list(states)
        return list(output) if self.merge_mode is None else output

    @property
    def states(self):
        return None  # the sublayers are never stateful in fastkeras

    def reset_state(self):
        raise AttributeError("Layer must be stateful.")

    reset_states = reset_state

    def compute_mask(self, inputs, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            n_states = 2 * len(self.forward_layer.state_size)
            head = output_mask if isinstance(output_mask, list) else [output_mask]
            return head + [None] * n_states
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update(merge_mode=self.merge_mode, layer=_serialize(self.forward_layer),
                      backward_layer=_serialize(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = _deserialize(backward, custom_objects)
        return cls(**config)
