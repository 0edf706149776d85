"""The learning rates callbacks read, set and log: one optimizer's, or each of a
multi-optimizer's (Keras's `optimizer.optimizers`)."""

from __future__ import annotations

import numpy as np


def optimizers_of(model):
    """(name, optimizer) pairs: ("", the optimizer), or each inner optimizer by its name."""
    optimizer = model.optimizer
    inner = getattr(optimizer, "optimizers", None)
    if inner:
        return [(opt.name, opt) for opt in inner]
    return [("", optimizer)]


def current(optimizer):
    """The learning rate as a Python float (a float, or a variable holding one)."""
    return float(np.asarray(optimizer.learning_rate))


def log_learning_rates(model, logs):
    """Keras 3 puts each epoch's learning rate in the logs: `learning_rate` (one optimizer)
    or `learning_rate_<name>` (each of several)."""
    for name, opt in optimizers_of(model):
        logs[f"learning_rate_{name}" if name else "learning_rate"] = current(opt)
