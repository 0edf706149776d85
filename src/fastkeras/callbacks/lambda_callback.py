"""LambdaCallback: a callback made of plain functions."""

from __future__ import annotations

from .callback import Callback


class LambdaCallback(Callback):
    """Each given function replaces its hook (keras.callbacks.LambdaCallback): epoch hooks
    take (epoch, logs), batch hooks (batch, logs), train begin/end (logs). Other hooks can
    be given as keyword arguments (e.g. `on_test_end=...`). A batch hook given here runs
    after every batch, as in Keras."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for hook, fn in given.items():
            if fn is not None:
                setattr(self, hook, fn)
