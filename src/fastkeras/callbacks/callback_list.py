"""CallbackList: calls every callback's hook in turn (keras.callbacks.CallbackList), and
tells the loops which batch-level hooks they must call at all."""

from __future__ import annotations

import numpy as np

from .callback import Callback, is_default
from .history import History
from .progbar_logger import ProgbarLogger

# Each loop's batch-level hooks, begin then end, with the older aliases Keras's defaults
# forward to (a callback replacing on_batch_end needs fit's on_train_batch_end called).
_BATCH_HOOKS = {
    "train": (("on_train_batch_begin", "on_batch_begin"), ("on_train_batch_end", "on_batch_end")),
    "test": (("on_test_batch_begin",), ("on_test_batch_end",)),
    "predict": (("on_predict_batch_begin",), ("on_predict_batch_end",)),
}


def _flatten(callbacks):
    out = []
    for cb in callbacks:
        out.extend(_flatten(cb) if isinstance(cb, (list, tuple)) else [cb])
    return out


def _replaces(cb, hooks):
    """True when `cb` has its own version of any of `hooks`."""
    return any(hasattr(cb, h) and not is_default(getattr(cb, h)) for h in hooks)


def _plain(value):
    """A log value as a Python float where it converts (Keras's pythonify_logs); arrays of
    more than one value (predict's outputs) stay as they are."""
    if isinstance(value, np.ndarray):
        return float(value.reshape(())) if value.size == 1 else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def plain_logs(logs):
    """A new dict, keys sorted, nested dicts flattened and values made plain, as every hook
    of Keras's CallbackList passes on: the callbacks of one call share it (so a scheduler's
    `learning_rate` reaches the History and the progress bar after it)."""
    out = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            out.update(plain_logs(value))
        else:
            out[key] = _plain(value)
    return out


def _hook(name, indexed, logs_by_keyword):
    """The CallbackList method calling hook `name` on every callback. Keras passes the
    logs of epoch and begin/end hooks by position, of batch hooks by keyword."""
    if indexed:
        def call(self, index, logs=None):
            logs = plain_logs(logs)
            for cb in self.callbacks:
                if logs_by_keyword:
                    getattr(cb, name)(index, logs=logs)
                else:
                    getattr(cb, name)(index, logs)
    else:
        def call(self, logs=None):
            logs = plain_logs(logs)
            for cb in self.callbacks:
                getattr(cb, name)(logs)
    call.__name__ = name
    return call


class CallbackList(Callback):
    """Container abstracting a list of callbacks."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)),
                             None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    # ---- what a loop must call (trainers/loops.py) ---------------------------------------
    def batch_hook_needs(self, kind):
        """For loop `kind` ('train', 'test', 'predict'): (call the begin hook, call the end
        hook, the step intervals at which chunks must end; 1 means every step). The
        progress bar is left out: the loop asks `progress_live` about it."""
        begin_names, end_names = _BATCH_HOOKS[kind]
        begin = end = False
        intervals = set()
        for cb in self.callbacks:
            if cb is self._progbar:
                continue
            b, e = _replaces(cb, begin_names), _replaces(cb, end_names)
            if b or e:
                interval = getattr(cb, "_batch_hook_interval", 1)
                if interval:
                    intervals.add(int(interval))
            begin, end = begin or b, end or e
        return begin, end, intervals

    def progress_live(self, kind):
        """Whether a progress bar redraws during loop `kind` (then chunks end ~10x/s)."""
        return self._progbar is not None and self._progbar.redraws_live(kind)

    on_batch_begin = _hook("on_batch_begin", True, True)
    on_batch_end = _hook("on_batch_end", True, True)
    on_epoch_begin = _hook("on_epoch_begin", True, False)
    on_epoch_end = _hook("on_epoch_end", True, False)
    on_train_batch_begin = _hook("on_train_batch_begin", True, True)
    on_train_batch_end = _hook("on_train_batch_end", True, True)
    on_test_batch_begin = _hook("on_test_batch_begin", True, True)
    on_test_batch_end = _hook("on_test_batch_end", True, True)
    on_predict_batch_begin = _hook("on_predict_batch_begin", True, True)
    on_predict_batch_end = _hook("on_predict_batch_end", True, True)
    on_train_begin = _hook("on_train_begin", False, False)
    on_train_end = _hook("on_train_end", False, False)
    on_test_begin = _hook("on_test_begin", False, False)
    on_test_end = _hook("on_test_end", False, False)
    on_predict_begin = _hook("on_predict_begin", False, False)
    on_predict_end = _hook("on_predict_end", False, False)
