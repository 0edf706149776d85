"""The callbacks' public API: Keras 3's names, signatures and defaults (from the fixture),
CallbackList's constructor and how it hands logs to each callback, and the behaviours
that need no fit to check."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.callbacks import (Callback, CallbackList, CSVLogger, EarlyStopping, History,
                                 LambdaCallback, LearningRateScheduler, ProgbarLogger,
                                 ReduceLROnPlateau)
from fastkeras.utils.progbar import Progbar
from tests.fixtures import callback_cases
from tests.fixtures.progress_cases import data, model_of

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                      "keras_callbacks.json").read_text())


def test_names_signatures_and_defaults_are_keras():
    assert keras.utils.Progbar is Progbar
    assert callback_cases.signatures(keras) == FIXTURE["signatures"]


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(logs)
        logs["added"] = 1.0  # seen by the callbacks after this one, as in Keras


def test_callback_list_adds_history_and_progbar_once_in_keras_order():
    model = model_of(keras)
    first = Recorder()
    cbs = CallbackList([first], add_history=True, add_progbar=True, model=model, verbose=1,
                       epochs=3, steps=7)
    assert [type(cb) for cb in cbs.callbacks] == [Recorder, History, ProgbarLogger]
    assert model.history is cbs.callbacks[1] and first.model is model
    assert first.params == {"verbose": 1, "epochs": 3, "steps": 7} == cbs.params
    mine = History()
    again = CallbackList([[first], (mine,)], add_history=True)  # nested lists flatten
    assert again.callbacks == [first, mine] and again.params == {}


def test_callback_list_without_params_leaves_callbacks_params_alone():
    cb = Callback()
    CallbackList([cb])
    assert cb.params is None and cb.model is None


def test_hooks_get_one_plain_sorted_dict_shared_down_the_list():
    first, second = Recorder(), Recorder()
    cbs = CallbackList([first, second])
    cbs.on_epoch_end(0, {"loss": np.float32(0.5), "a": {"b": np.array(2.0)},
                         "outputs": np.zeros((3, 1))})
    got = second.logs[0]
    assert list(got) == ["b", "loss", "outputs", "added"]
    assert type(got["loss"]) is float and type(got["b"]) is float
    assert got["outputs"].shape == (3, 1)
    assert first.logs[0] is second.logs[0]
    cbs.on_train_begin()  # no logs: an empty dict, as Keras's pythonify_logs gives
    cbs.on_epoch_end(1)
    assert second.logs[1] == {"added": 1.0}


def test_default_train_batch_hooks_forward_to_the_older_names():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    cbs = CallbackList([Old()])
    cbs.on_train_batch_begin(3)
    cbs.on_train_batch_end(3, {"loss": 1})
    assert seen == [("begin", 3), ("end", 3, {"loss": 1.0})]


def test_batch_hook_needs_are_decided_per_hook_and_per_callback():
    quiet = CallbackList([Recorder(), ProgbarLogger(), History(),
                          keras.callbacks.TerminateOnNaN()])
    assert quiet.batch_hook_needs("test") == (False, False, set())
    assert quiet.batch_hook_needs("train") == (False, True, set())  # at chunk ends
    lam = CallbackList([LambdaCallback(on_train_batch_begin=lambda batch, logs: None)])
    assert lam.batch_hook_needs("train") == (True, False, {1})
    assert lam.batch_hook_needs("predict") == (False, False, set())


def test_lambda_callback_takes_other_hooks_as_keywords():
    seen = []
    cb = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(epoch),
                        on_test_end=lambda logs: seen.append("test_end"))
    x, y = data(40)
    model = model_of(keras)
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[cb])
    assert seen == [0, "test_end", 1, "test_end"]


def test_history_is_returned_and_kept_on_the_model():
    x, y = data(40)
    model = model_of(keras)
    history = model.fit(x, y, epochs=2, verbose=0)
    assert model.history is history and history.epoch == [0, 1]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert history.model is model


def test_early_stopping_state_resets_for_each_fit():
    x, y = data(40)
    model = model_of(keras)
    es = EarlyStopping(monitor="loss", mode="max", patience=0)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[es])
    assert es.stopped_epoch == 1  # the loss goes down: no improvement at epoch 1
    model.fit(x, y, epochs=1, verbose=0, callbacks=[es])
    assert es.stopped_epoch == 0 and es.wait == 0


def test_monitor_auto_follows_the_metric_direction():
    x, y = data(40)
    model = model_of(keras)
    up, down = (EarlyStopping(monitor=m, patience=99) for m in ("val_accuracy", "val_loss"))
    mse = ReduceLROnPlateau(monitor="mean_squared_error")
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", "mean_squared_error"])
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[up, down, mse])
    assert up.monitor_op(2, 1) and down.monitor_op(1, 2) and mse.monitor_op(1, 2)
    assert up.min_delta == 0 and mse.min_delta == -1e-4


def test_scheduler_refuses_an_optimizer_without_learning_rate():
    cb = LearningRateScheduler(lambda epoch, lr: lr)
    model = model_of(keras)

    class NoRate:
        pass

    model.optimizer = NoRate()
    cb.set_model(model)
    with pytest.raises(ValueError, match='"learning_rate" attribute'):
        cb.on_epoch_begin(0)


def test_csv_logger_writes_lists_quoted_and_reopens_on_each_fit(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.set_model(model_of(keras))
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "shape": [1, 2], "val_loss": np.float32(0.25)})
    logger.on_train_end()
    assert path.read_text() == 'epoch,loss,shape,val_loss\n0,0.5,"""[1, 2]""",0.25\n'
    logger.on_train_begin()  # append=False: a new file
    logger.on_epoch_end(3, {"loss": 0.1})
    logger.on_train_end()
    assert path.read_text() == "epoch,loss,val_loss\n3,0.1,NA\n"


def test_unknown_mode_warns_and_factor_one_is_refused():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ReduceLROnPlateau(mode="sideways").mode == "auto"
    assert "ReduceLROnPlateau mode 'sideways' is unknown" in str(caught[0].message)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=2)
