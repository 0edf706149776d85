"""Weight initializers (keras.initializers) with Keras 3 defaults and `get()`.

Random initializers draw from fastkeras's seeded generator (`utils.set_random_seed`), or
from their own `seed` when one is given."""

from __future__ import annotations

import math

import numpy as np

from ..utils.random import make_generator


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    def __call__(self, shape, dtype="float32"):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype="float32"):
        return np.zeros(shape, dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype="float32"):
        return np.ones(shape, dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return np.full(shape, self.value, dtype)

    def get_config(self):
        return {"value": self.value}


def _draw_dtype(dtype):
    """Random values are drawn in the variable's own float type (float32: half the memory
    and no cast of a float64 draw); other dtypes draw float64 and are cast."""
    return np.float32 if np.dtype(dtype) == np.float32 else np.float64


def _uniform(rng, low, high, shape, dtype):
    t = _draw_dtype(dtype)
    out = rng.random(shape, dtype=t)
    out *= t(high - low)
    out += t(low)
    return out.astype(dtype, copy=False)


def _normal(rng, mean, stddev, shape, dtype):
    t = _draw_dtype(dtype)
    out = rng.standard_normal(shape, dtype=t)
    out *= t(stddev)
    out += t(mean)
    return out.astype(dtype, copy=False)


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        return make_generator(self.seed)


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype="float32"):
        return _uniform(self._rng(), self.minval, self.maxval, shape, dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        return _normal(self._rng(), self.mean, self.stddev, shape, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        if input_axes is not None or output_axes is not None:
            raise NotImplementedError("VarianceScaling(input_axes=..., output_axes=...) is not "
                                      "supported yet by fastkeras")
        self.input_axes, self.output_axes = input_axes, output_axes
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return _uniform(rng, -limit, limit, shape, dtype)
        if self.distribution == "untruncated_normal":
            return _normal(rng, 0.0, math.sqrt(scale), shape, dtype)
        # Truncated at two standard deviations; the constant restores the variance.
        std = math.sqrt(scale) / 0.87962566103423978
        out = _normal(rng, 0.0, std, shape, dtype)
        lim = 2 * std
        bad = out > lim  # one reused bool mask and one temporary: no float copy of out
        bad |= out < -lim
        while bad.any():
            out[bad] = _normal(rng, 0.0, std, int(bad.sum()), dtype)
            np.greater(out, lim, out=bad)
            bad |= out < -lim
        return out

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_avg", "uniform", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class HeUniform(VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(2.0, "fan_in", "uniform", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class HeNormal(VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class LecunUniform(VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(1.0, "fan_in", "uniform", seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class TruncatedNormal(_Seeded):
    """Normal values more than two standard deviations from the mean are redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        rng = self._rng()
        out = _normal(rng, 0.0, 1.0, shape, dtype)
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = _normal(rng, 0.0, 1.0, int(bad.sum()), dtype)
            bad = np.abs(out) > 2
        return (out * np.asarray(self.stddev, out.dtype) + np.asarray(self.mean, out.dtype)
                ).astype(dtype, copy=False)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class Orthogonal(_Seeded):
    """gain * Q of the QR factorisation of a normal matrix (signs fixed by diag(R)), over
    the shape flattened to (prod(shape[:-1]), shape[-1]) (Keras's recipe)."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = _normal(self._rng(), 0.0, 1.0, (max(rows, cols), min(rows, cols)), "float64")
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={tuple(shape)} of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


OrthogonalInitializer, IdentityInitializer = Orthogonal, Identity
# Keras also exports each class under its snake_case name.
(zeros, ones, constant, random_uniform, random_normal, glorot_uniform, glorot_normal, he_uniform,
 he_normal, lecun_normal, lecun_uniform, variance_scaling, truncated_normal, orthogonal,
 identity) = (Zeros, Ones, Constant, RandomUniform, RandomNormal, GlorotUniform, GlorotNormal,
              HeUniform, HeNormal, LecunNormal, LecunUniform, VarianceScaling, TruncatedNormal,
              Orthogonal, Identity)

_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "random_normal": RandomNormal, "normal": RandomNormal,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
    "he_normal": HeNormal, "lecun_normal": LecunNormal, "variance_scaling": VarianceScaling,
    "lecun_uniform": LecunUniform, "truncated_normal": TruncatedNormal,
    "orthogonal": Orthogonal, "orthogonal_initializer": Orthogonal, "identity": Identity,
    "identity_initializer": Identity,
}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = identifier if identifier in _ALIASES else \
            "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key not in _ALIASES:
            raise ValueError(f"Unknown initializer: {identifier!r}. Known: {sorted(_ALIASES)}")
        return _ALIASES[key]()
    if isinstance(identifier, dict):  # a Keras config (or the older class_name/config pair)
        from ..saving.serialization_lib import deserialize_keras_object
        return deserialize_keras_object(identifier, module_objects=globals())
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def deserialize(config, custom_objects=None):
    """An initializer from its config (Keras's dict, the older class_name/config pair, or
    a name)."""
    if isinstance(config, str) and not (custom_objects and config in custom_objects):
        return get(config)
    from ..saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=globals())


def serialize(initializer):
    """Keras 3's form: {"module": "keras.initializers", "class_name", "config",
    "registered_name"}."""
    if initializer is None:
        return None
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(initializer)
