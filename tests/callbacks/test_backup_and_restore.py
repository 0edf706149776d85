"""BackupAndRestore: Keras's files, decisions and resumed epochs (against real Keras 3,
tests/fixtures/callback_cases.py), and the issue's requirement: a fit interrupted (an
exception, a SIGKILL) and started again with the same callback ends with the weights of
an uninterrupted fit, bit for bit, with shuffle=True and a Dropout layer."""

import json
import os
import shutil
import signal
import time

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.utils import random as global_random
from tests.callbacks.test_keras_callbacks import FIXTURE, _assert_close
from tests.fixtures import callback_cases

EPOCHS = 6
_rows = np.random.default_rng(0)
X = _rows.normal(size=(100, 6)).astype("float32")  # 7 steps of 16 rows, the last short
Y = _rows.normal(size=(100, 1)).astype("float32")


@pytest.fixture(autouse=True)
def _keep_global_generator():
    """Restores leave the global generator where the backup was: put it back after."""
    state = global_random.generator_state()
    yield
    global_random.set_generator_state(state)


def make_model(seed=7):
    keras.utils.set_random_seed(seed)  # the same Dropout seed and weights each time
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def fit(model, callbacks=(), epochs=EPOCHS, **kwargs):
    return model.fit(X, Y, batch_size=16, epochs=epochs, verbose=0, shuffle=True,
                     callbacks=list(callbacks), **kwargs)


def uninterrupted():
    model = make_model()
    history = fit(model)
    return model.get_weights(), history.history["loss"]


def assert_bitwise_equal(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


class Interrupt(keras.callbacks.Callback):
    """Raises at the start of epoch `epoch`."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt(f"interrupted at epoch {epoch}")


def interrupted_run(backup, epoch):
    model = make_model()
    with pytest.raises(KeyboardInterrupt):
        fit(model, [backup, Interrupt(epoch)])
    return model


def metadata(directory, name="training_metadata.json"):
    with open(os.path.join(directory, name)) as f:
        return json.load(f)


# ---- the same as real Keras ------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_runs():
    return json.loads(json.dumps(callback_cases.backup_and_restore(keras)))


@pytest.mark.parametrize("name", sorted(callback_cases.BACKUP_AND_RESTORE) + ["errors"])
def test_files_metadata_and_resumed_epochs_as_keras(keras_runs, name):
    """Backup files, Keras's metadata ({"epoch", "batch"}; every N batches counted as
    Keras), the epochs the second fit runs, its weights (to float noise) and errors."""
    _assert_close(keras_runs[name], FIXTURE["backup_and_restore"][name])


# ---- (a) an exception, then fit again: bit for bit -------------------------------------
@pytest.mark.parametrize("backend_name", [b for b in ("cpu", "numba", "reference")
                                          if backends.available(b)])
def test_interrupted_fit_resumes_bit_for_bit(tmp_path, backend_name):
    previous = backends.get_backend()
    backends.set_backend(backend_name)
    try:
        want, want_loss = uninterrupted()
        backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
        model = interrupted_run(backup, 3)
        assert metadata(tmp_path / "backup")["epoch"] == 3
        history = fit(model, [backup])  # the same callback, as in Keras's example
    finally:
        backends._active = previous
    assert history.epoch == [3, 4, 5]
    assert history.history["loss"] == want_loss[3:]
    assert_bitwise_equal(model.get_weights(), want)
    assert not os.path.exists(tmp_path / "backup")  # deleted at the end of the fit


def test_a_new_process_state_resumes_bit_for_bit(tmp_path):
    """A new model and callback, the global generator moved on and the Dropout seeded
    differently (no set_random_seed as before): the backup's random state is put back."""
    want, _ = uninterrupted()
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path), 2)
    model = make_model(seed=12345)
    global_random.generator().random(17)
    history = fit(model, [keras.callbacks.BackupAndRestore(tmp_path)])
    assert history.epoch == [2, 3, 4, 5]
    assert_bitwise_equal(model.get_weights(), want)


def test_the_random_state_is_what_makes_it_exact(tmp_path, monkeypatch):
    """Without putting the random state back the resumed fit differs: the test above can
    fail."""
    from fastkeras.callbacks import backup_and_restore
    want, _ = uninterrupted()
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path), 2)
    monkeypatch.setattr(backup_and_restore, "set_random_state", lambda model, state: None)
    model = make_model()
    fit(model, [keras.callbacks.BackupAndRestore(tmp_path)])
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), want))


def test_metadata_has_keras_keys_and_the_random_state(tmp_path):
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path), 2)
    data = metadata(tmp_path)
    assert (data["epoch"], data["batch"]) == (2, 0)
    ours = data["fastkeras"]
    assert ours["random_state"]["generator"]["bit_generator"] == "PCG64"
    [[seed, counter]] = ours["random_state"]["seed_generators"]  # the Dropout's
    assert counter == 2 * 7  # one draw per step, 7 steps an epoch
    assert ours["previous"]["epoch"] == 1 and "previous" not in ours["previous"]["fastkeras"]
    assert sorted(os.listdir(tmp_path)) == ["latest.weights.h5", "training_metadata.json"]


# ---- (b) SIGKILL of a process mid-fit ---------------------------------------------------
def _slow_epochs(seconds):
    class Slow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(seconds)
    return Slow()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_killed_process_resumes_bit_for_bit(tmp_path):
    """Trials: a forked child fits with the callback (sleeping a little per epoch) and is
    killed with SIGKILL at a random moment after its first backup; the parent then fits
    again with the same backup_dir and must end with the uninterrupted weights."""
    want, _ = uninterrupted()
    rng = np.random.default_rng(1)
    resumed_at = set()
    for trial in range(5):
        backup_dir = tmp_path / f"trial{trial}"
        pid = os.fork()
        if pid == 0:  # the child: fit until killed
            try:
                fit(make_model(), [keras.callbacks.BackupAndRestore(backup_dir),
                                   _slow_epochs(0.03)])
            finally:
                os._exit(1)
        deadline = time.monotonic() + 30
        while not os.path.exists(backup_dir / "latest.weights.h5"):
            assert time.monotonic() < deadline, "the child never backed up"
            time.sleep(0.001)
        time.sleep(float(rng.uniform(0.0, 0.1)))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "the child ended before it was killed"
        model = make_model(seed=99)
        history = fit(model, [keras.callbacks.BackupAndRestore(backup_dir)])
        start = history.epoch[0] if history.epoch else EPOCHS  # killed after the last
        resumed_at.add(start)
        assert history.epoch == list(range(start, EPOCHS))
        assert_bitwise_equal(model.get_weights(), want)
    assert min(resumed_at) >= 1


def test_a_kill_between_metadata_and_weights_restores_the_pair(tmp_path):
    """The state a kill between the two writes leaves (new metadata, old weights) is
    restored as the old backup, whole: its epoch and random state, not the new ones."""
    want, _ = uninterrupted()
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True), 4)
    shutil.copy(tmp_path / "latest.weights.h5.bkp", tmp_path / "latest.weights.h5")
    model = make_model()
    history = fit(model, [keras.callbacks.BackupAndRestore(tmp_path)])
    assert history.epoch == [3, 4, 5]
    assert_bitwise_equal(model.get_weights(), want)


def test_a_kill_before_the_first_weights_landed_starts_over(tmp_path):
    want, _ = uninterrupted()
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path), 1)
    os.remove(tmp_path / "latest.weights.h5")  # the first backup's rename never happened
    model = make_model()
    history = fit(model, [keras.callbacks.BackupAndRestore(tmp_path)])
    assert history.epoch == list(range(EPOCHS))
    assert_bitwise_equal(model.get_weights(), want)


# ---- (c) every N batches ----------------------------------------------------------------
def test_every_n_batches_restores_the_epoch_only(tmp_path):
    """save_freq=5 over 7-step epochs backs up at steps 5, 10, 15, 20: interrupted at the
    start of epoch 3, the last backup is epoch 2's batch 5 (metadata {"epoch": 2,
    "batch": 5}). As in Keras, the resumed fit runs epoch 2 again from its first batch on
    the weights that already had its first 6 updates; fastkeras puts the generator back
    as it was when epoch 2 began, so the rerun draws epoch 2's batch order again. The
    reference does exactly that by hand and must match bit for bit."""
    backup = keras.callbacks.BackupAndRestore(tmp_path, save_freq=5)
    calls = []
    backup_batch_end = backup.on_train_batch_end
    backup.on_train_batch_end = lambda batch, logs=None: (calls.append(batch),
                                                          backup_batch_end(batch, logs))
    interrupted_run(backup, 3)
    assert len(calls) < 3 * 7  # chunks of steps, not a return to Python per batch
    assert {k: metadata(tmp_path)[k] for k in ("epoch", "batch")} == {"epoch": 2, "batch": 5}
    resumed = make_model()
    history = fit(resumed, [keras.callbacks.BackupAndRestore(tmp_path, save_freq=5)])
    assert history.epoch == [2, 3, 4, 5]

    class StopAfter(keras.callbacks.Callback):  # ends the fit after epoch 2's batch 5
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.generator_state = global_random.generator_state()

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (2, 5):
                self.model.stop_training = True

    reference = make_model()
    stop = StopAfter()
    fit(reference, [stop], epochs=3)
    global_random.set_generator_state(stop.generator_state)
    fit(reference, initial_epoch=2)
    assert_bitwise_equal(resumed.get_weights(), reference.get_weights())


# ---- (d) double_checkpoint ----------------------------------------------------------------
def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    want, _ = uninterrupted()
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True), 4)
    assert metadata(tmp_path)["epoch"] == 4
    assert metadata(tmp_path, "training_metadata.json.bkp")["epoch"] == 3
    with open(tmp_path / "latest.weights.h5", "r+b") as f:  # damaged
        f.write(b"not an HDF5 file" * 8)
    model = make_model()
    history = fit(model, [keras.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert history.epoch == [3, 4, 5]
    assert_bitwise_equal(model.get_weights(), want)


def test_a_damaged_backup_without_a_previous_one_raises(tmp_path):
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path), 2)
    (tmp_path / "latest.weights.h5").write_bytes(b"garbage")
    with pytest.raises(OSError, match="latest.weights.h5"):
        fit(make_model(), [keras.callbacks.BackupAndRestore(tmp_path)])


# ---- (e) delete_checkpoint ----------------------------------------------------------------
def test_delete_checkpoint(tmp_path):
    kept = tmp_path / "kept"
    model = make_model()
    fit(model, [keras.callbacks.BackupAndRestore(kept, delete_checkpoint=False)], epochs=2)
    assert sorted(os.listdir(kept)) == ["latest.weights.h5", "training_metadata.json"]
    assert metadata(kept)["epoch"] == 2
    deleted = tmp_path / "deleted"
    deleted.mkdir()
    (deleted / "other.txt").write_text("the directory is the callback's")
    fit(make_model(), [keras.callbacks.BackupAndRestore(deleted)], epochs=2)
    assert not deleted.exists()


def test_an_interrupted_fit_keeps_its_backup(tmp_path):
    interrupted_run(keras.callbacks.BackupAndRestore(tmp_path / "b"), 1)
    assert (tmp_path / "b" / "latest.weights.h5").exists()


def test_an_unbuilt_model_is_refused(tmp_path):
    cb = keras.callbacks.BackupAndRestore(tmp_path)
    cb.set_model(keras.Sequential([keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="must be built before you call `fit\\(\\)`"):
        cb.on_train_begin()


def test_per_epoch_backups_cost_no_batch_hooks():
    cbs = keras.callbacks.CallbackList([keras.callbacks.BackupAndRestore("/unused")])
    begin, end, intervals = cbs.batch_hook_needs("train")
    assert intervals == set()  # called only where chunks end anyway
    cbs = keras.callbacks.CallbackList([keras.callbacks.BackupAndRestore("/unused",
                                                                          save_freq=4)])
    assert cbs.batch_hook_needs("train")[2] == {4}
