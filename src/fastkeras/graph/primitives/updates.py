"""Effect primitives: in-place updates of state (optimizer steps, counters, metric sums).

They have no outputs; they mutate their first operand(s) and run, in recording order, after
every pure op of the step. The formulas are Keras 3's exactly (keras/src/optimizers):

  sgd_update(var, grad, lr):              var -= lr * grad
  sgd_momentum_update(var, grad, m, lr):  m = momentum*m - lr*grad
                                          var += momentum*m - lr*grad   (nesterov)
                                          var += m                      (otherwise)
  adam_update(var, grad, m, v, lr, it):   t = it + 1
                                          alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
                                          grad *= clip_scale(grad)   (global_clipnorm > 0)
                                          var -= var * weight_decay * lr
                                          m += (grad - m) * (1 - beta_1)
                                          v += (grad**2 - v) * (1 - beta_2)
                                          ((1 - beta) computed in double, then rounded)
                                          var -= alpha * m / (sqrt(v) + epsilon)
  increment(counter):                     counter += 1          (int64 scalar)
  accumulate(acc, x):                     acc += sum(x)         (float64 scalar acc)
  assign(dst, src):                       dst = src
  constrain(var):                         a built-in keras.constraints projection, in place,
                                          after the updates recorded before it (Keras applies
                                          constraints right after each optimizer step). With
                                          var seen as (outer, reduce, inner) and per (outer,
                                          inner) n = sqrt(sum over reduce of var**2):
    non_neg:      var = max(var, 0)
    max_norm:     var *= clip(n, 0, max_value) / (1e-7 + n)
    unit_norm:    var /= 1e-7 + n
    min_max_norm: var *= (rate * clip(n, min_value, max_value) + (1 - rate) * n) / (1e-7 + n)

The base optimizer's global_clipnorm and decoupled weight_decay are folded into adam_update
(one pass over the parameters instead of an ops composite around it): clip_scale is Keras's
clip_by_global_norm factor c * min(1/||grad||, 1/c) (NaN for a non-finite norm), which is
the global norm only when `grad` is the whole flat gradient — the optimizer binds it so.

Native encoding: sgd_momentum_update ints (nesterov,) floats (momentum,);
adam_update floats (beta_1, beta_2, epsilon, global_clipnorm, weight_decay); constrain ints (kind, outer, reduce, inner)
floats (max_value, min_value, rate), kind an index of CONSTRAINT_KINDS.
"""

from __future__ import annotations

import numpy as np

from ..primitive import Primitive, register


def _same_shapes_rule(name, n_same, scalars=()):
    def rule(specs, attrs):
        shape, dtype = specs[0]
        for s, d in specs[1:n_same]:
            if tuple(s) != tuple(shape) or d != dtype:
                raise ValueError(f"{name}: operand {s}/{d} does not match variable {shape}/{dtype}")
        for (s, d), want in zip(specs[n_same:], scalars):
            if tuple(s) != () or d != want:
                raise ValueError(f"{name}: expected a {want} scalar, got {s}/{d}")
        return []
    return rule


def _sgd(var, grad, lr):
    var -= lr * grad


def _sgd_momentum(var, grad, m, lr, momentum, nesterov):
    mom = var.dtype.type(momentum)
    m[...] = m * mom - grad * lr
    if nesterov:
        var += m * mom - grad * lr
    else:
        var += m


def global_clip_scale(grad, clipnorm):
    """Keras's clip_by_global_norm factor for the whole gradient `grad`, in its dtype."""
    dt = grad.dtype.type
    norm = dt(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))
    c = dt(clipnorm)
    with np.errstate(divide="ignore", invalid="ignore"):
        return c * np.minimum(dt(1) / norm, dt(1) / c) + (norm - norm)


def _adam(var, grad, m, v, lr, iterations, beta_1, beta_2, epsilon, global_clipnorm,
          weight_decay):
    dt = var.dtype.type
    t = dt(iterations + 1)
    alpha = lr * np.sqrt(dt(1) - dt(beta_2) ** t) / (dt(1) - dt(beta_1) ** t)
    if global_clipnorm > 0:
        grad = grad * global_clip_scale(grad, global_clipnorm)
    if weight_decay:
        var -= var * dt(weight_decay) * lr
    # (1 - beta) is formed in double precision and rounded once, as Keras does.
    m += (grad - m) * dt(1.0 - beta_1)
    v += (np.square(grad) - v) * dt(1.0 - beta_2)
    var -= (m * alpha) / (np.sqrt(v) + dt(epsilon))


def _increment(counter):
    counter += 1


def _accumulate(acc, x):
    acc += np.sum(x, dtype=acc.dtype)


def _assign(dst, src):
    dst[...] = src


register(Primitive("sgd_update", _same_shapes_rule("sgd_update", 2, ("float32",)), _sgd,
                   effect=True, shard_effect="update", doc="var -= lr * grad"))
register(Primitive(
    "sgd_momentum_update", _same_shapes_rule("sgd_momentum_update", 3, ("float32",)),
    _sgd_momentum, effect=True, shard_effect="update",
    attr_defaults={"momentum": 0.0, "nesterov": False},
    native_attrs=lambda a, s: ((int(a["nesterov"]),), (float(a["momentum"]),)),
    doc="SGD with (Nesterov) momentum, Keras 3 form"))
register(Primitive(
    "adam_update", _same_shapes_rule("adam_update", 4, ("float32", "int64")), _adam,
    effect=True, shard_effect="update",
    attr_defaults={"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "global_clipnorm": 0.0,
                   "weight_decay": 0.0},
    native_attrs=lambda a, s: ((), (float(a["beta_1"]), float(a["beta_2"]), float(a["epsilon"]),
                                    float(a["global_clipnorm"]), float(a["weight_decay"]))),
    doc="Adam, Keras 3 form (epsilon added to the uncorrected sqrt(v)), with the global "
        "clip and the decoupled weight decay folded in"))


def _increment_rule(specs, attrs):
    (shape, dtype), = specs
    if tuple(shape) != () or dtype != "int64":
        raise ValueError(f"increment: expected an int64 scalar counter, got {shape}/{dtype}")
    return []


def _accumulate_rule(specs, attrs):
    (sa, da), (sx, dx) = specs
    if tuple(sa) != () or da != "float64":
        raise ValueError(f"accumulate: expected a float64 scalar accumulator, got {sa}/{da}")
    if dx not in ("float32", "float64"):
        raise TypeError(f"accumulate: expected floating-point values, got {dx}")
    return []


def _assign_rule(specs, attrs):
    (sd, dd), (ss, ds) = specs
    if tuple(sd) != tuple(ss) or dd != ds:
        raise ValueError(f"assign: source {ss}/{ds} does not match destination {sd}/{dd}")
    return []


register(Primitive("increment", _increment_rule, _increment, effect=True, shard_effect="once",
                   doc="counter += 1"))
register(Primitive("accumulate", _accumulate_rule, _accumulate, effect=True,
                   shard_effect="per_shard", doc="acc += sum(x)"))
register(Primitive("assign", _assign_rule, _assign, effect=True, doc="dst = src"))


CONSTRAINT_KINDS = ("non_neg", "max_norm", "unit_norm", "min_max_norm")
_NORM_EPSILON = 1e-7


def _constrain(var, kind, outer, reduce, inner, max_value, min_value, rate):
    dt = var.dtype.type
    if kind == "non_neg":
        np.maximum(var, dt(0), out=var)
        return
    w = var.reshape(outer, reduce, inner)
    norms = np.sqrt(np.sum(np.square(w, dtype=np.float64), axis=1, keepdims=True)).astype(dt)
    if kind == "max_norm":
        desired = np.clip(norms, dt(0), dt(max_value))
    elif kind == "unit_norm":
        desired = np.ones_like(norms)
    else:
        desired = dt(rate) * np.clip(norms, dt(min_value), dt(max_value)) + \
            dt(1.0 - rate) * norms
    w *= desired / (dt(_NORM_EPSILON) + norms)


def _constrain_rule(specs, attrs):
    (shape, dtype), = specs
    if dtype not in ("float32", "float64"):
        raise TypeError(f"constrain: expected a floating-point variable, got {dtype}")
    if attrs["kind"] not in CONSTRAINT_KINDS:
        raise ValueError(f"constrain: kind must be one of {CONSTRAINT_KINDS}, got {attrs['kind']!r}")
    if attrs["outer"] * attrs["reduce"] * attrs["inner"] != int(np.prod(shape, dtype=np.int64)):
        raise ValueError(f"constrain: (outer, reduce, inner) = ({attrs['outer']}, "
                         f"{attrs['reduce']}, {attrs['inner']}) does not cover shape {shape}")
    return []


register(Primitive(
    "constrain", _constrain_rule, _constrain, effect=True,
    attr_defaults={"kind": "non_neg", "outer": 1, "reduce": 1, "inner": 1, "max_value": 0.0,
                   "min_value": 0.0, "rate": 1.0},
    native_attrs=lambda a, s: ((CONSTRAINT_KINDS.index(a["kind"]), int(a["outer"]),
                                int(a["reduce"]), int(a["inner"])),
                               (float(a["max_value"]), float(a["min_value"]), float(a["rate"]))),
    doc="a built-in weight constraint, in place"))
