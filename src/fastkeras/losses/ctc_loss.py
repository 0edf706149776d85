"""Keras 3.15's CTC loss (`keras.losses.CTC`, `keras.losses.ctc`) as a composite of
fastkeras.ops: the forward (alpha) recursion of Connectionist Temporal Classification in
log space, traced into the step; autodiff gives its gradient.

The recursion is the one Keras's JAX backend runs (optax's `ctc_loss_with_forward_probs`
form), kept step for step so that every edge case gives Keras's number: two alpha tables
per time step, `phi` (B, N+1) for "the last symbol read was a blank, after n labels" and
`emit` (B, N) for "... was label n"; log(0) is the finite -1e5, so a label sequence too long
for T gives a large finite loss (1e5 and a little) rather than inf. Class 0 is the
blank, and a row's label length is its count of non-zero entries: the first that many
labels are read, whatever their values (a 0 among them is read as a label)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..graph import bind
from ..ops.core import convert, dtype_of, promote, shape_of
from .loss import BuiltinLoss

LOG_EPSILON = -1e5  # Keras's stand-in for log(0): impossible paths stay finite
MASK_INDEX = 0  # the blank class, fixed by keras.losses.ctc


def _columns(x, start, stop):
    """x[:, start:stop]."""
    return bind("slice", x, axis=1, start=start, stop=stop)


def _logaddexp(a, b):
    """log(exp(a) + exp(b)) as m + log(exp(a - m) + exp(b - m)), m = max(a, b): the
    derivative through m cancels exactly, so ties (common: both -1e5) split the gradient
    evenly whichever side the max's gradient picks."""
    m = ops.maximum(a, b)
    return ops.add(m, ops.log(ops.add(ops.exp(ops.subtract(a, m)),
                                      ops.exp(ops.subtract(b, m)))))


def _add_to_tail(phi, score):
    """phi with score added (in log space) to every column but the first."""
    n = shape_of(phi)[1]
    return ops.concatenate([_columns(phi, 0, 1), _logaddexp(_columns(phi, 1, n), score)],
                           axis=1)


def _step(phi, emit, logprob_emit, logprob_blank, repeat):
    """One time step of the recursion: (phi, emit) after reading the frame whose
    log-probabilities are logprob_emit (B, N: of each label) and logprob_blank (B, 1)."""
    n = shape_of(emit)[1]
    # label n -> blank -> (n + 1 labels read); not for a repeated label, which needs a
    # blank between its two copies
    phi = _add_to_tail(phi, ops.add(emit, ops.multiply(repeat, LOG_EPSILON)))
    # read label n: after n labels and a blank, or staying on label n
    next_emit = _logaddexp(ops.add(_columns(phi, 0, n), logprob_emit),
                           ops.add(emit, logprob_emit))
    # read a blank: staying on a blank, or (only before a repeat) right after label n
    next_phi = _add_to_tail(ops.add(phi, logprob_blank),
                            ops.add(ops.add(emit, logprob_blank),
                                    ops.multiply(ops.subtract(1.0, repeat), LOG_EPSILON)))
    return next_phi, next_emit


def _repeats(labels):
    """repeat[b, n] = 1.0 where label n equals label n + 1 (0 for the last column)."""
    n = shape_of(labels)[1]
    if n == 1:
        return ops.multiply(labels, 0.0)
    same = ops.cast(ops.equal(_columns(labels, 0, n - 1), _columns(labels, 1, n)),
                    dtype_of(labels))
    return bind("pad", same, axis=1, before=0, after=1)


def _label_logprobs(logprobs, labels):
    """(T, B, N): the log-probability of each sample's label n at each frame,
    logprobs[b, t, labels[b, n]], gathered from the rows b * classes + label of the
    class-major (B * classes, T) logprobs: B*T*N values, where the one-hot contraction of
    Keras's JAX backend builds B*T*N*classes. A label outside [0, classes) reads 0, as
    that contraction gives."""
    batch, steps, classes = shape_of(logprobs)
    rows = ops.reshape(ops.transpose(logprobs, (0, 2, 1)), (batch * classes, steps))
    first_row = np.arange(batch, dtype=dtype_of(labels))[:, None] * classes
    index = ops.cast(ops.add(ops.clip(labels, 0.0, classes - 1.0), first_row), "int32")
    valid = ops.multiply(ops.cast(ops.greater_equal(labels, 0.0), dtype_of(labels)),
                         ops.cast(ops.less(labels, float(classes)), dtype_of(labels)))
    gathered = ops.multiply(ops.take(rows, index, axis=0), ops.expand_dims(valid, -1))  # (B, N, T)
    return ops.transpose(gathered, (2, 0, 1))


def _recursion(phi, emit, logprobs_emit, logprobs_blank, repeat):
    """(phi, emit) after all T frames: one `ops.scan` over the time axis. Measured against
    the loop written out in Python (T = 50, a Dense on (16, 50, 8) trained by CTC): the
    first fit (trace, autodiff, plan) takes 1.1 s with the scan and 1.6 s written out, the
    steps after it the same 1.2 ms (the planner writes the scan out anyway)."""
    xs = (logprobs_emit, logprobs_blank)  # time-major: (T, B, N) and (T, B, 1)

    def body(carry, frame):
        return _step(carry[0], carry[1], frame[0], frame[1], repeat), None

    (phi, emit), _ = ops.scan(body, (phi, emit), xs)
    return phi, emit


def ctc(y_true, y_pred):
    """CTC loss per sample. y_true: (batch, max_label_length) integer labels, 0 the
    blank/padding; y_pred: (batch, T, num_classes) logits (not softmax-normalised)."""
    if len(shape_of(y_true)) != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={tuple(shape_of(y_true))}")
    if len(shape_of(y_pred)) != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={tuple(shape_of(y_pred))}")
    (y_pred,) = promote(convert(y_pred), float_only=True)
    dtype = dtype_of(y_pred)
    batch = shape_of(y_pred)[0]
    max_labels = shape_of(y_true)[1]
    # The length counts the entries != 0 as given (Keras compares before its int cast);
    # the labels are those entries truncated to ints, held as floats for the compares.
    label_length = ops.sum(ops.subtract(1.0, ops.cast(ops.equal(y_true, 0.0), dtype)), axis=1)
    labels = ops.cast(ops.cast(y_true, "int32"), dtype)
    repeat = _repeats(labels)

    logprobs = ops.log_softmax(y_pred, axis=-1)
    logprobs_emit = _label_logprobs(logprobs, labels)
    logprobs_blank = ops.transpose(
        bind("slice", logprobs, axis=2, start=MASK_INDEX, stop=MASK_INDEX + 1), (1, 0, 2))

    phi0 = np.full((batch, max_labels + 1), LOG_EPSILON, dtype)
    phi0[:, 0] = 0.0
    emit0 = np.full((batch, max_labels), LOG_EPSILON, dtype)
    phi, emit = _recursion(phi0, emit0, logprobs_emit, logprobs_blank, repeat)
    # Every frame is read (Keras passes input_length = T for every row), and the last
    # label may end the sequence without a trailing blank.
    phi = _add_to_tail(phi, emit)
    at_length = ops.one_hot(ops.cast(label_length, "int32"), max_labels + 1, dtype=dtype)
    return ops.negative(ops.sum(ops.multiply(phi, at_length), axis=1))


class CTC(BuiltinLoss):
    """CTC (Connectionist Temporal Classification) loss: `ctc` of each sample, reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)
