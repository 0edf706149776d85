"""A workload's optimizer and metrics in each framework: Adam(1e-3) and the loss alone, or
a training job's AdamW on a warmup CosineDecay with global_clipnorm and the metrics
"accuracy" and "top-5" (workloads.AdamWCosine, issue [7]'s W2OPT).

Every peer runs Keras's formulas (keras/src/optimizers, keras/src/metrics), so the
comparison is of the same work:
- weight decay `var -= lr * wd * var` before the Adam update, at the step's rate, on every
  variable (biases too): torch's AdamW (`param.mul_(1 - lr * wd)` first) and optax's
  `adamw` (`-lr * (adam + wd * param)`, the decay from the pre-update value) are the same;
- global_clipnorm: every gradient times clipnorm / max(global norm, clipnorm); optax's
  `clip_by_global_norm` is that, torch's `clip_grad_norm_` divides by norm + 1e-6;
- Adam's epsilon: Keras adds it to sqrt(v) with the bias correction folded into the rate
  (`lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`), torch and optax to the
  corrected sqrt(v_hat): the same up to eps's scale, 1e-7 either way (no cost difference);
- metrics accumulate every step as Keras's MeanMetricWrapper does (sum of per-sample
  values, sample count), the loss's mean too, read once at each epoch's end.

Imports of the frameworks happen inside the functions: each runner imports only its own."""

from __future__ import annotations


def keras_compile_args(keras, w) -> dict:
    """compile()'s optimizer, loss and metrics for a workload with any Keras-API module."""
    o = getattr(w, "optimizer", None)
    if o is None:
        return {"optimizer": keras.optimizers.Adam(1e-3), "loss": w.loss}
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=o.initial_learning_rate, decay_steps=o.decay_steps,
        warmup_target=o.warmup_target, warmup_steps=o.warmup_steps)
    optimizer = keras.optimizers.AdamW(
        learning_rate=schedule, weight_decay=o.weight_decay, beta_1=o.beta_1,
        beta_2=o.beta_2, epsilon=o.epsilon, global_clipnorm=o.global_clipnorm)
    return {"optimizer": optimizer, "loss": w.loss,
            "metrics": [_keras_metric(keras, w, m) for m in w.metrics]}


def top_k_of(metric: str) -> int | None:
    """k of a "top-k" metric name, None for "accuracy"; anything else is refused."""
    if metric == "accuracy":
        return None
    head, _, k = metric.partition("-")
    if head != "top" or not k.isdigit() or int(k) < 1:
        raise ValueError(f"Unknown bench metric {metric!r}: expected 'accuracy' or 'top-<k>'")
    return int(k)


def _keras_metric(keras, w, metric):
    k = top_k_of(metric)
    if k is None:
        return "accuracy"
    sparse = w.loss.startswith("sparse_")
    cls = (keras.metrics.SparseTopKCategoricalAccuracy if sparse
           else keras.metrics.TopKCategoricalAccuracy)
    return cls(k=k)


def metric_counts(logits, labels, label_logits, metrics) -> list:
    """Per-batch sums of each metric's per-sample values, for torch tensors and jax arrays
    alike (integer class labels (n,), `label_logits` (n, 1) the label's logit): "accuracy"
    counts argmax == label, "top-k" counts rank <= k with Keras's in_top_k rank
    1 + #(logits above the label's). Logits rank as Keras's softmax outputs do."""
    counts = []
    for m in metrics:
        k = top_k_of(m)
        if k is None:
            counts.append((logits.argmax(1) == labels).sum())
        else:
            counts.append(((logits > label_logits).sum(1) < k).sum())
    return counts


def torch_optimizer(torch, model, w):
    """(optimizer, scheduler or None, global clip norm or None, label) for a workload:
    fused (else foreach) Adam(1e-3) or AdamW with Keras's defaults and a LambdaLR stepped
    after every update, so update t uses the schedule's rate at step t as Keras's does."""
    o = getattr(w, "optimizer", None)
    cls, kw = ((torch.optim.Adam, {"lr": 1e-3, "eps": 1e-7}) if o is None else
               (torch.optim.AdamW, {"lr": o.warmup_target, "betas": (o.beta_1, o.beta_2),
                                    "eps": o.epsilon, "weight_decay": o.weight_decay}))
    try:
        opt, kind = cls(model.parameters(), fused=True, **kw), "fused"
    except (RuntimeError, TypeError):
        opt, kind = cls(model.parameters(), foreach=True, **kw), "foreach"
    label = f"{kind} {cls.__name__}"
    if o is None:
        return opt, None, None, label
    # LambdaLR scales the base rate (warmup_target) by the schedule's share of it.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: o.learning_rate(step) / o.warmup_target)
    return (opt, sched, o.global_clipnorm,
            f"{label}, clip_grad_norm_({o.global_clipnorm}), LambdaLR warmup+cosine")


def optax_optimizer(w):
    """(init, update(grads, state, params) -> (params, state), label): optax's
    clip_by_global_norm then adamw on warmup_cosine_decay_schedule (its decay_steps counts
    the warmup too)."""
    import optax
    o = w.optimizer
    schedule = optax.warmup_cosine_decay_schedule(
        init_value=o.initial_learning_rate, peak_value=o.warmup_target,
        warmup_steps=o.warmup_steps, decay_steps=o.warmup_steps + o.decay_steps,
        end_value=0.0)
    tx = optax.chain(optax.clip_by_global_norm(o.global_clipnorm),
                     optax.adamw(schedule, b1=o.beta_1, b2=o.beta_2, eps=o.epsilon,
                                 weight_decay=o.weight_decay))

    def update(grads, state, params):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state
    return tx.init, update, f"optax {optax.__version__} clip_by_global_norm + adamw"


def jax_adam(jax, jnp, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    """(init, update, label) of a hand-written Adam with Keras's formula."""
    tmap = jax.tree_util.tree_map

    def init(params):
        zeros = tmap(jnp.zeros_like, params)
        return zeros, zeros, jnp.float32(0)

    def update(grads, state, params):
        m, v, t = state
        t = t + 1
        alpha = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = tmap(lambda m_, g_: m_ + (g_ - m_) * (1 - b1), m, grads)
        v = tmap(lambda v_, g_: v_ + (g_ * g_ - v_) * (1 - b2), v, grads)
        params = tmap(lambda p_, m_, v_: p_ - alpha * m_ / (jnp.sqrt(v_) + eps), params, m, v)
        return params, (m, v, t)
    return init, update, "hand-written Adam"
