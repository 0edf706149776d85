"""ModelCheckpoint: which epochs and batches it saves, file names, messages, warnings and
errors as real Keras 3 (tests/fixtures/callback_cases.py), and what fastkeras adds: saves
every N batches without a return to Python per batch, atomic writes."""

import json
import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving import atomic
from tests.callbacks.test_keras_callbacks import FIXTURE, _assert_close
from tests.fixtures import callback_cases
from tests.fixtures.progress_cases import data, model_of


@pytest.fixture(scope="module")
def keras_runs():
    return json.loads(json.dumps(callback_cases.model_checkpoint(keras)))


@pytest.mark.parametrize("name", sorted(callback_cases.MODEL_CHECKPOINT) + ["errors"])
def test_saves_as_keras(keras_runs, name):
    """Files written (the epochs, batches and values in their names, a missing directory
    made), the messages of verbose=1, warnings, the best value, errors."""
    _assert_close(keras_runs[name], FIXTURE["model_checkpoint"][name])


def _fit(model, callbacks, epochs=2, rows=90, batch_size=8, **kwargs):
    x, y = data(rows)
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
                     callbacks=callbacks, **kwargs)


def _keras_batch_saves(n, steps_per_epoch, epochs, carried=0):
    """(epoch, batch) of each save, counting as Keras does with a call per batch."""
    out, count = [], carried
    for epoch in range(epochs):
        for batch in range(steps_per_epoch):
            count += 1
            if count >= n:
                out.append((epoch + 1, batch + 1))
                count = 0
    return out


def _names(saves):
    return sorted(f"b-{e:02d}-{b:03d}.weights.h5" for e, b in saves)


def test_every_n_batches_in_chunks_saves_on_keras_batches(tmp_path):
    """50 steps an epoch, every 20: saves on Keras's batches, with far fewer batch hook
    calls than steps (fit's chunks end on the steps where a save is due)."""
    cb = keras.callbacks.ModelCheckpoint(tmp_path / "b-{epoch:02d}-{batch:03d}.weights.h5",
                                         save_weights_only=True, save_freq=20)
    calls = []
    hook = cb.on_train_batch_end
    cb.on_train_batch_end = lambda batch, logs=None: (calls.append(batch), hook(batch, logs))
    _fit(model_of(keras), [cb], epochs=3, rows=400)
    assert sorted(os.listdir(tmp_path)) == _names(_keras_batch_saves(20, 50, 3))
    assert len(calls) < 150 // 4, calls  # chunk ends, not a call per step


def test_every_n_batches_counts_on_across_fits(tmp_path):
    """Keras does not reset the count at a new fit: 2 batches left over from the first
    fit put the next save 3 batches into the second."""
    cb = keras.callbacks.ModelCheckpoint(tmp_path / "b-{epoch:02d}-{batch:03d}.weights.h5",
                                         save_weights_only=True, save_freq=5)
    model = model_of(keras)
    _fit(model, [cb], epochs=1, rows=56)  # 7 steps: a save at 5, 2 carried
    assert sorted(os.listdir(tmp_path)) == ["b-01-005.weights.h5"]
    _fit(model, [cb], epochs=2, rows=56)
    assert sorted(os.listdir(tmp_path)) == _names(
        [(1, 5)] + _keras_batch_saves(5, 7, 2, carried=2))


def test_best_only_every_n_batches_before_the_first_epoch_end(tmp_path):
    """Keras fails at the second batch-level save of the first epoch (no direction yet);
    fastkeras takes the direction then and saves only improvements of the batch loss."""
    cb = keras.callbacks.ModelCheckpoint(tmp_path / "b-{epoch:02d}-{batch:03d}.weights.h5",
                                         monitor="loss", save_weights_only=True,
                                         save_best_only=True, save_freq=2)
    losses = []

    class Losses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append((batch, logs["loss"]))

    _fit(model_of(keras), [Losses(), cb], epochs=1, rows=80)
    best, want = None, []
    for batch, loss in losses[1::2]:
        if best is None or loss < best:
            best = loss
            want.append((1, batch + 1))
    assert sorted(os.listdir(tmp_path)) == _names(want) and len(want) >= 2
    assert cb.best == best


def test_per_epoch_saves_cost_no_batch_hooks():
    cb = keras.callbacks.ModelCheckpoint("/unused/m.keras")
    assert keras.callbacks.CallbackList([cb]).batch_hook_needs("train")[2] == set()
    cb = keras.callbacks.ModelCheckpoint("/unused/m.keras", save_freq=6)
    assert keras.callbacks.CallbackList([cb]).batch_hook_needs("train")[2] == {6}


def test_every_write_is_atomic(tmp_path, monkeypatch):
    """Both kinds of file go through atomic.write_atomic (temporary file, fsync, rename):
    no temporary file is left, and the target is only ever replaced whole."""
    written = []
    write_atomic = atomic.write_atomic
    monkeypatch.setattr(atomic, "write_atomic",
                        lambda path, data: (written.append(os.path.basename(path)),
                                            write_atomic(path, data)))
    model = model_of(keras)
    _fit(model, [keras.callbacks.ModelCheckpoint(tmp_path / "w.weights.h5",
                                                 save_weights_only=True),
                 keras.callbacks.ModelCheckpoint(tmp_path / "m.keras")])
    assert written == ["w.weights.h5", "m.keras"] * 2
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "w.weights.h5"]
    loaded = keras.models.load_model(tmp_path / "m.keras")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.load_weights(tmp_path / "w.weights.h5")


def test_a_path_object_and_a_new_directory(tmp_path):
    target = tmp_path / "a" / "b" / "{epoch}.weights.h5"
    _fit(model_of(keras), [keras.callbacks.ModelCheckpoint(target, save_weights_only=True)])
    assert sorted(os.listdir(tmp_path / "a" / "b")) == ["1.weights.h5", "2.weights.h5"]


def test_the_files_are_on_the_disk_when_fit_returns(tmp_path, monkeypatch):
    """ModelCheckpoint and CSVLogger write behind the training (saving/atomic.py): with a
    slow disk (each fsync 30 ms more), fit still returns with every file complete and no
    temporary file left, and a callback after them that loads the checkpoint gets this
    epoch's model."""
    import time
    fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (time.sleep(0.03), fsync(fd)))
    loaded = []

    class Load(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            loaded.append((keras.models.load_model(tmp_path / "m.keras").get_weights(),
                           self.model.get_weights()))

    model = model_of(keras)
    _fit(model, [keras.callbacks.ModelCheckpoint(tmp_path / "m.keras"),
                 keras.callbacks.CSVLogger(tmp_path / "log.csv"), Load()], epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["log.csv", "m.keras"]
    assert (tmp_path / "log.csv").read_text().count("\n") == 4  # the header, 3 epochs
    for in_file, in_model in loaded:
        for a, b in zip(in_file, in_model):
            np.testing.assert_array_equal(a, b)
    assert len(loaded) == 3
