"""keras.optimizers.schedules: Keras 3.15's learning-rate schedules, written with
fastkeras.ops so that `schedule(step)` runs eagerly on arrays or is traced into the native
train step (the optimizer calls it on its `iterations` counter at the start of each update).
Each computes in float32, as Keras does for a Python-float initial rate."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ...ops import ceil, cos, floor, power, where


def _f32(value):
    return ops.cast(value, "float32")


def _const(value):
    """A Python number rounded to float32, as Keras casts its arguments."""
    return float(np.float32(value))


def _check_steps(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: a subclass implements `__call__(self, step)` (with fastkeras.ops; `step`
    is the optimizer's step count as a float32 scalar) and, to be saved, `get_config`."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, their config and
    the decay progress step / decay_steps (floored when `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name
        _check_steps("decay_steps", decay_steps)

    def _progress(self, step):
        p = ops.divide(_f32(step), _const(self.decay_steps))
        return floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """initial_learning_rate * decay_rate ** (step / decay_steps), the exponent floored
    when `staircase`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return ops.multiply(power(_const(self.decay_rate), self._progress(step)),
                            _const(self.initial_learning_rate))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while step is in
    (boundaries[i-1], boundaries[i]], values[-1] after boundaries[-1]."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        # Keras's sum of value * (step in interval): exactly one interval holds.
        step = _f32(step)
        flags = [ops.less_equal(step, float(self.boundaries[0]))]
        for low, high in zip(self.boundaries[:-1], self.boundaries[1:]):
            flags.append(ops.multiply(ops.cast(ops.greater(step, float(low)), "float32"),
                                      ops.cast(ops.less_equal(step, float(high)), "float32")))
        flags.append(ops.greater(step, float(self.boundaries[-1])))
        result = None
        for flag, value in zip(flags, self.values):
            term = ops.multiply(ops.cast(flag, "float32"), float(value))
            result = term if result is None else ops.add(result, term)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end, the step capped at
    decay_steps, or with `cycle` the decay span stretched to the first multiple of
    decay_steps at or above the step."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle = end_learning_rate, power, cycle
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step):
        step = _f32(step)
        span = _const(self.decay_steps)
        if self.cycle:
            multiplier = where(ops.equal(step, 0.0), 1.0, ceil(ops.divide(step, span)))
            span = ops.multiply(multiplier, span)
        else:
            step = ops.minimum(step, span)
        remaining = ops.subtract(1.0, ops.divide(step, span))
        delta = _const(np.float32(self.initial_learning_rate) -
                       np.float32(self.end_learning_rate))
        return ops.add(ops.multiply(power(remaining, float(self.power)), delta),
                       float(self.end_learning_rate))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_RateDecay):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), the quotient floored
    when `staircase`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        denominator = ops.add(ops.multiply(self._progress(step), float(self.decay_rate)), 1.0)
        return ops.divide(_const(self.initial_learning_rate), denominator)


def _cosine_factor(fraction, alpha, scale=1.0):
    """(1 - alpha) * scale * (1 + cos(pi * fraction)) / 2 + alpha: Keras's cosine decay
    multiplier (scale: CosineDecayRestarts's m_mul ** restarts)."""
    angle = ops.multiply(fraction, _const(math.pi))
    decayed = ops.multiply(ops.multiply(ops.add(cos(angle), 1.0), 0.5), scale)
    return ops.add(ops.multiply(decayed, 1.0 - float(alpha)), float(alpha))


class CosineDecay(LearningRateSchedule):
    """An optional linear warmup from initial_learning_rate to warmup_target over
    warmup_steps, then a cosine decay over decay_steps from warmup_target (or
    initial_learning_rate without warmup) down to alpha times it."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_steps, self.warmup_target = warmup_steps, warmup_target
        _check_steps("decay_steps", decay_steps)

    def _decay(self, step, decay_from):
        fraction = ops.divide(step, _const(self.decay_steps))
        return ops.multiply(_cosine_factor(fraction, self.alpha), decay_from)

    def __call__(self, step):
        step = _f32(step)
        initial = _const(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(ops.minimum(step, _const(self.decay_steps)), initial)
        target, warmup = _const(self.warmup_target), _const(self.warmup_steps)
        step = ops.minimum(step, _const(np.float32(self.decay_steps) + np.float32(warmup)))
        decayed = self._decay(ops.subtract(step, warmup), target)
        if warmup <= 0:  # the warmup branch is never taken (and would divide by zero)
            return decayed
        warming = ops.add(ops.multiply(ops.divide(step, warmup), target - initial), initial)
        return where(ops.less(step, warmup), warming, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay from 1 to alpha over first_decay_steps, then warm restarts: each period
    t_mul times longer than the one before and starting m_mul times lower."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name
        _check_steps("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        fraction = ops.divide(_f32(step), _const(self.first_decay_steps))
        t_mul = _const(self._t_mul)
        if t_mul == 1.0:  # periods of equal length
            restarts = floor(fraction)
            fraction = ops.subtract(fraction, restarts)
        else:  # the period holding the step, from the geometric sum of the lengths
            restarts = floor(ops.divide(ops.log(ops.subtract(1.0, ops.multiply(
                fraction, 1.0 - t_mul))), _const(math.log(t_mul))))
            done = ops.divide(ops.subtract(1.0, power(t_mul, restarts)), 1.0 - t_mul)
            fraction = ops.divide(ops.subtract(fraction, done), power(t_mul, restarts))
        scale = power(_const(self._m_mul), restarts)
        decayed = _cosine_factor(fraction, _const(self.alpha), scale)
        return ops.multiply(decayed, _const(self.initial_learning_rate))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}
