"""Normalization layers: BatchNormalization, LayerNormalization, UnitNormalization.

BatchNormalization's moving statistics are updated inside the train step (Variable.assign
records an effect that runs after the step's other ops), with Keras 3's formulas: the batch
mean and biased variance, moving = moving * momentum + batch * (1 - momentum)."""

from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from ..config import epsilon
from .layer import Layer


def _axis_argument(axis, message):
    """An int axis, or a list of them (Keras keeps a list); else TypeError(message)."""
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int):
        return axis
    raise TypeError(message)


class _Affine:
    """gamma (scale) and beta (offset) weights with their initializers, regularizers and
    constraints: BatchNormalization's and LayerNormalization's shared arguments."""

    def _affine_arguments(self, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint):
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _affine_weights(self, shape, scale, center):
        if scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _affine_config(self, extra_initializers=()):
        config = {n: initializers.serialize(getattr(self, n))
                  for n in ("beta_initializer", "gamma_initializer") + tuple(extra_initializers)}
        config.update({n: regularizers.serialize(getattr(self, n))
                       for n in ("beta_regularizer", "gamma_regularizer")})
        config.update({n: constraints.serialize(getattr(self, n))
                       for n in ("beta_constraint", "gamma_constraint")})
        return config


class BatchNormalization(_Affine, Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise NotImplementedError("BatchNormalization(renorm=True) is not supported yet "
                                      "by fastkeras")
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = synchronized
        self.renorm, self.renorm_clipping, self.renorm_momentum = renorm, renorm_clipping, \
            renorm_momentum
        self._affine_arguments(beta_initializer, gamma_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"BatchNormalization {self.name!r}: invalid axis {self.axis} for "
                             f"input shape {tuple(input_shape)} (the batch axis cannot be "
                             "normalised over)")
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} of the input "
                             f"shape {tuple(input_shape)} must be known")
        shape = (channels,)
        self._affine_weights(shape, self.scale, self.center)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self._reduction_axes = tuple(i for i in range(rank) if i != self.axis % rank)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(f"The mask provided should be one dimension less than the "
                             f"inputs. Received: mask.shape={tuple(mask.shape)}, "
                             f"inputs.shape={tuple(inputs.shape)}")
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            m = self.momentum
            self.moving_mean.assign(ops.add(ops.multiply(self.moving_mean, m),
                                            ops.multiply(mean, 1.0 - m)))
            self.moving_variance.assign(ops.add(ops.multiply(self.moving_variance, m),
                                                ops.multiply(variance, 1.0 - m)))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return ops.batch_normalization(inputs, mean, variance, axis=self.axis,
                                       offset=self.beta, scale=self.gamma,
                                       epsilon=self.epsilon)

    def _moments(self, inputs, mask):
        """The batch's mean and biased variance; with a mask, over the unmasked steps only
        (Keras 3's masked moments: sums over the kept entries divided by their count plus
        the fuzz factor, keras.config.epsilon())."""
        if mask is None:
            return ops.moments(inputs, axes=self._reduction_axes)
        kept = ops.broadcast_to(ops.expand_dims(ops.cast(mask, inputs.dtype), -1),
                                inputs.shape)
        count = ops.add(ops.sum(kept, axis=self._reduction_axes, keepdims=True), epsilon())
        mean = ops.divide(ops.sum(ops.multiply(inputs, kept), axis=self._reduction_axes,
                                  keepdims=True), count)
        spread = ops.multiply(ops.subtract(inputs, mean), kept)
        variance = ops.divide(ops.sum(ops.square(spread), axis=self._reduction_axes,
                                      keepdims=True), count)
        # Keras squeezes the kept axes away (and fails on one channel): the channel vector.
        channels = (inputs.shape[self.axis],)
        return ops.reshape(mean, channels), ops.reshape(variance, channels)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
                      center=self.center, scale=self.scale)
        config.update(self._affine_config(("moving_mean_initializer",
                                           "moving_variance_initializer")))
        config.update(synchronized=self.synchronized, renorm=self.renorm,
                      renorm_clipping=self.renorm_clipping, renorm_momentum=self.renorm_momentum)
        return config


class LayerNormalization(_Affine, Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis, f"Expected an int or a list/tuple of ints for the "
                                         f"argument 'axis', but received: {axis}")
        self.epsilon = epsilon
        self.center, self.scale, self.rms_scaling = center, scale, rms_scaling
        self._affine_arguments(beta_initializer, gamma_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        rank = len(input_shape)
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"LayerNormalization {self.name!r}: axis {a} is out of range "
                                 f"for input shape {tuple(input_shape)}")
        shape = tuple(input_shape[a] for a in axes)
        self.axis = axes  # Keras: the built layer keeps a list
        self._affine_weights(shape, self.scale or self.rms_scaling,
                             self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        return ops.layer_normalization(inputs, self.gamma, self.beta, self.axis, self.epsilon,
                                       rms_scaling=self.rms_scaling)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center,
                      scale=self.scale, rms_scaling=self.rms_scaling)
        config.update(self._affine_config())
        return config


class UnitNormalization(Layer):
    """x / its L2 norm over `axis` (epsilon 1e-12)."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis, f"Invalid value for `axis` argument: expected an int "
                                         f"or a list/tuple of ints. Received: axis={axis}")
        self.built = True

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.normalize(inputs, axis=axis, order=2, epsilon=1e-12)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
