"""What the fit / evaluate / predict loops (trainers/loops.py) call between native steps:
batch-level hooks only where a callback replaces them, decided per hook; chunks ending
on every Nth step for a callback that asks; learning-rate writes seen by the next step."""

import collections

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.callbacks import Callback
from fastkeras.trainers import loops
from tests.fixtures.progress_cases import data, model_of


@pytest.fixture
def runs(monkeypatch):
    """Executor calls made by the loops, by step kind."""
    counts = collections.Counter()
    original = loops.Batches.run

    def counting(self, first, k, *args, **kwargs):
        counts[self.kind] += 1
        return original(self, first, k, *args, **kwargs)

    monkeypatch.setattr(loops.Batches, "run", counting)
    return counts


def _hooks(**methods):
    return type("Hooks", (Callback,), methods)()


def _fit(callbacks, n=800, epochs=2, batch_size=8, validation=False, **kwargs):
    x, y = data(n + 96)
    model = model_of(keras)
    extra = dict(validation_data=(x[n:], y[n:])) if validation else {}
    history = model.fit(x[:n], y[:n], batch_size=batch_size, epochs=epochs, verbose=0,
                        shuffle=False, callbacks=callbacks, **extra, **kwargs)
    return model, history


def test_no_batch_hook_means_chunks_of_steps(runs):
    _fit([_hooks(on_epoch_end=lambda self, epoch, logs=None: None)], validation=True)
    assert runs["train"] <= 2 * 5  # 100 steps an epoch, chunks of 1, 8, 64, ...
    assert runs["test"] == 2 * 1  # 96 validation rows: one call per validation


def test_a_test_batch_hook_does_not_make_training_step_by_step(runs):
    seen = []
    _fit([_hooks(on_test_batch_end=lambda self, batch, logs=None: seen.append(batch))],
         validation=True)
    assert runs["train"] <= 2 * 5
    assert seen == list(range(12)) * 2  # every validation batch, in both epochs
    assert runs["test"] == 24


@pytest.mark.parametrize("hook", ["on_train_batch_end", "on_batch_end", "on_train_batch_begin",
                                  "on_batch_begin"])
def test_a_train_batch_hook_runs_after_every_step(runs, hook):
    seen = []
    _fit([_hooks(**{hook: lambda self, batch, logs=None: seen.append((batch, logs))})])
    assert runs["train"] == 200
    assert [b for b, _ in seen] == list(range(100)) * 2
    if hook.endswith("end"):  # the running mean of the epoch so far, as Keras
        assert sorted(seen[0][1]) == ["accuracy", "loss"]
        assert seen[0][1] != seen[1][1]
    else:
        assert all(logs == {} for _, logs in seen)


def test_last_batch_logs_are_the_epoch_logs():
    ends, epochs = [], []
    _fit([_hooks(on_train_batch_end=lambda self, batch, logs=None: ends.append(logs),
                 on_epoch_end=lambda self, epoch, logs=None: epochs.append(logs))],
         n=70, batch_size=32)
    assert [ends[2], ends[5]] == epochs


class EveryFive(Callback):
    _batch_hook_interval = 5

    def __init__(self):
        super().__init__()
        self.ends = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append((self.epoch, batch))


def test_a_callback_asking_every_n_steps_gets_each_nth_without_per_step_calls(runs):
    cb = EveryFive()
    _fit([cb], n=8 * 73, epochs=3)  # 73 steps an epoch: multiples of 5 straddle epochs
    global_steps = {epoch * 73 + batch + 1 for epoch, batch in cb.ends}
    assert set(range(5, 3 * 73 + 1, 5)) <= global_steps
    assert runs["train"] == len(cb.ends) < 3 * 73 / 2


def test_a_callback_content_with_chunk_ends_is_called_at_chunk_ends(runs):
    class ChunkEnds(Callback):
        _batch_hook_interval = None

        def __init__(self):
            super().__init__()
            self.ends = []

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(batch)

    cb = ChunkEnds()
    _fit([cb], epochs=1)
    assert cb.ends[-1] == 99 and cb.ends == sorted(cb.ends)
    assert len(cb.ends) == runs["train"] <= 5


def test_tensorboard_keeps_chunks_and_ends_them_every_update_freq(runs, tmp_path):
    _fit([keras.callbacks.TensorBoard(tmp_path / "a")], epochs=1)
    assert runs["train"] <= 5  # epoch logging: chunks as without callbacks
    runs.clear()
    _fit([keras.callbacks.TensorBoard(tmp_path / "b", update_freq=25)], epochs=1)
    assert 4 <= runs["train"] <= 8  # 100 steps, chunks ending at 25, 50, 75, 100


def test_terminate_on_nan_leaves_training_in_chunks(runs):
    _, history = _fit([keras.callbacks.TerminateOnNaN()], epochs=2)
    assert len(history.epoch) == 2 and runs["train"] <= 2 * 5


def test_evaluate_calls_test_batch_hooks_only_when_replaced(runs):
    x, y = data(100)
    model = model_of(keras)
    model.evaluate(x, y, batch_size=8, verbose=0,
                   callbacks=[_hooks(on_test_end=lambda self, logs=None: None)])
    assert runs["test"] == 2  # 12 full batches in one call, then the short one
    seen = []
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True, callbacks=[
        _hooks(on_test_batch_end=lambda self, batch, logs=None: seen.append((batch, logs)))])
    assert [b for b, _ in seen] == list(range(13)) and seen[-1][1] == logs
    assert runs["test"] == 2 + 13


def test_predict_batch_end_gets_each_batch_outputs(runs):
    x, _ = data(50)
    model = model_of(keras)
    seen = []
    out = model.predict(x, batch_size=16, verbose=0, callbacks=[
        _hooks(on_predict_batch_end=lambda self, batch, logs=None: seen.append((batch, logs)))])
    assert [b for b, _ in seen] == [0, 1, 2, 3] and runs["predict"] == 4
    assert [sorted(logs) for _, logs in seen] == [["outputs"]] * 4
    np.testing.assert_array_equal(np.concatenate([logs["outputs"] for _, logs in seen]), out)
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-6)


def test_predict_with_only_begin_end_hooks_runs_in_one_call(runs):
    x, _ = data(50)
    model = model_of(keras)
    events = []
    out = model.predict(x, batch_size=16, verbose=0, callbacks=[
        _hooks(on_predict_begin=lambda self, logs=None: events.append("begin"),
               on_predict_end=lambda self, logs=None: events.append("end"))])
    assert events == ["begin", "end"] and runs["predict"] == 0 and out.shape == (50, 1)


def test_stop_evaluating_and_stop_predicting_end_the_pass_early():
    x, y = data(100)
    model = model_of(keras)

    def stop_test(self, batch, logs=None):
        self.model.stop_evaluating = batch == 2

    def stop_predict(self, batch, logs=None):
        self.model.stop_predicting = batch == 1

    seen = []
    model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[_hooks(
        on_test_batch_end=stop_test,
        on_test_end=lambda self, logs=None: seen.append(logs))])
    np.testing.assert_allclose(seen[0]["loss"], model.evaluate(x[:24], y[:24], verbose=0)[0],
                               rtol=1e-6)
    out = model.predict(x, batch_size=16, verbose=0,
                        callbacks=[_hooks(on_predict_batch_end=stop_predict)])
    assert out.shape == (32, 1)


def test_stop_training_from_an_epoch_hook_ends_fit_after_that_epoch():
    def stop(self, epoch, logs=None):
        self.model.stop_training = epoch == 1

    _, history = _fit([_hooks(on_epoch_end=stop)], epochs=5)
    assert history.epoch == [0, 1]


def _sgd_model():
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(1)])
    model.set_weights([np.full((5, 1), 0.1, np.float32), np.zeros(1, np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    return model


def test_learning_rate_set_in_on_epoch_begin_applies_to_that_epoch(backend):
    x, y = data(64)
    model = _sgd_model()
    kernels = []

    class Schedule(Callback):  # no batch hook: the epoch runs in chunks
        def on_epoch_begin(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.0 if epoch == 1 else 0.05

        def on_epoch_end(self, epoch, logs=None):
            kernels.append(self.model.get_weights()[0])

    start = model.get_weights()[0]
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Schedule()])
    assert not np.array_equal(kernels[0], start)
    np.testing.assert_array_equal(kernels[1], kernels[0])  # epoch 1 at rate 0
    assert not np.array_equal(kernels[2], kernels[1])


def test_learning_rate_set_in_on_train_batch_end_applies_from_the_next_step(backend):
    x, y = data(64)
    model = _sgd_model()
    kernels = []

    class Freeze(Callback):
        def on_train_batch_end(self, batch, logs=None):
            kernels.append(self.model.get_weights()[0])
            if batch == 2:
                self.model.optimizer.learning_rate = 0.0
            if batch == 5:
                self.model.optimizer.learning_rate = 0.05

    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[Freeze()])
    changed = [not np.array_equal(a, b) for a, b in zip(kernels, kernels[1:])]
    # steps 3, 4, 5 ran at rate 0; step 6 at 0.05 again
    assert changed == [True, True, False, False, False, True, True]


def test_callbacks_must_be_callbacks():
    with pytest.raises(TypeError, match="Callback instances"):
        _fit([object()], epochs=1)


def test_a_callback_list_passed_in_is_used_as_given():
    events = []
    cb = _hooks(on_epoch_end=lambda self, epoch, logs=None: events.append(epoch))
    x, y = data(40)
    model = model_of(keras)
    cbs = keras.callbacks.CallbackList([cb], add_history=True, model=model, verbose=0,
                                       epochs=2, steps=5)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=cbs)
    assert events == [0, 1] and history is cbs._history and cb.params["steps"] == 5
