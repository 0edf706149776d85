"""fit / evaluate fed by generators and PyDatasets against real Keras 3
(tests/fixtures/feeding_cases.py, golden values from make_keras_feeding.py)."""

import os
import sys
import warnings

import numpy as np
import pytest

import fastkeras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import feeding_cases  # noqa: E402

GOLDEN = np.load(os.path.join(HERE, "..", "fixtures", "keras_feeding.npz"))


@pytest.mark.parametrize("case", sorted(feeding_cases.CASES))
def test_case_matches_keras(case, backend):
    got = feeding_cases.CASES[case](keras)
    want = {k.split("__", 1)[1]: GOLDEN[k] for k in GOLDEN.files if k.startswith(case + "__")}
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        np.testing.assert_allclose(np.asarray(got[key], "float64"), value, rtol=1e-5,
                                   atol=1e-6, err_msg=f"{case}: {key}")


def _model():
    return feeding_cases.model(keras)


def _quiet_fit(m, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return m.fit(*args, verbose=0, **kwargs)


def test_workers_fetch_in_threads_and_keep_the_order():
    import threading
    threads = set()

    class Recorded(feeding_cases.dataset_class(keras)):
        def __getitem__(self, i):
            threads.add(threading.current_thread().name)
            return super().__getitem__(i)

    serial, threaded = _model(), _model()
    a = _quiet_fit(serial, Recorded(feeding_cases.X, feeding_cases.Y, 8), epochs=2,
                   shuffle=False).history["loss"]
    main_only = set(threads)
    threads.clear()
    b = _quiet_fit(threaded, Recorded(feeding_cases.X, feeding_cases.Y, 8, workers=3),
                   epochs=2, shuffle=False).history["loss"]
    assert main_only == {threading.main_thread().name}
    assert threads and threading.main_thread().name not in threads
    np.testing.assert_allclose(a, b, rtol=1e-6)
    for w1, w2 in zip(serial.get_weights(), threaded.get_weights()):
        np.testing.assert_allclose(w1, w2, rtol=1e-6)


def test_multiprocessing_is_refused():
    ds = feeding_cases.dataset_class(keras)(feeding_cases.X, feeding_cases.Y, 8,
                                            use_multiprocessing=True)
    with pytest.raises(NotImplementedError, match="use_multiprocessing=True"):
        _quiet_fit(_model(), ds)


@pytest.mark.parametrize("kwargs, message", [
    ({"y": feeding_cases.Y}, "`y` should not be passed"),
    ({"sample_weight": feeding_cases.SW}, "`sample_weights` should not be passed"),
    ({"class_weight": {0: 1.0}}, "`class_weight` is not supported for Python generator"),
    ({"validation_split": 0.2}, "`validation_split` is only supported"),
])
def test_generator_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _quiet_fit(_model(), feeding_cases.batches(5), **kwargs)


def test_bad_generators():
    with pytest.raises(ValueError, match="at least one batch"):
        _quiet_fit(_model(), (b for b in []))
    with pytest.raises(ValueError, match="must return a tuple"):
        _quiet_fit(_model(), (feeding_cases.X[:8] for _ in range(3)))
    with pytest.raises(ValueError, match="need targets"):
        _quiet_fit(_model(), ((feeding_cases.X[:8],) for _ in range(3)))


def test_generator_shuffle_warning_and_ran_out_warning():
    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        _model().fit(feeding_cases.batches(5, repeat=True), steps_per_epoch=2, verbose=0)
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        h = _model().fit(feeding_cases.batches(3), steps_per_epoch=2, epochs=2, verbose=0,
                         shuffle=False)
    assert len(h.history["loss"]) == 2


def test_steps_run_in_chunks_not_one_call_per_batch(monkeypatch):
    from fastkeras.trainers import streams
    calls = []
    original = streams.Stream._run
    monkeypatch.setattr(streams.Stream, "_run",
                        lambda self, sig, count: (calls.append(count), original(self, sig,
                                                                                count))[1])
    m = _model()
    m.evaluate(feeding_cases.batches(5, repeat=True), steps=200, verbose=0)
    assert sum(calls) == 200 and len(calls) == 1
    calls.clear()
    _quiet_fit(m, feeding_cases.batches(5, repeat=True), steps_per_epoch=300)
    assert sum(calls) == 300 and len(calls) < 20


def test_stop_training_mid_epoch_with_a_generator():
    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch >= 2:
                self.model.stop_training = True
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
    h = _quiet_fit(_model(), feeding_cases.batches(5, repeat=True), steps_per_epoch=10,
                   epochs=3, callbacks=[Count(), Stop()])
    assert seen == [0, 1, 2] and len(h.history["loss"]) == 1


def test_dict_inputs_from_a_pydataset():
    a = keras.Input((4,), name="a")
    b = keras.Input((2,), name="b")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    m = keras.Model([a, b], out)
    m.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(24, 4)).astype("float32"), rng.normal(size=(24, 2)).astype(
        "float32")
    y = rng.normal(size=(24, 1)).astype("float32")

    class Dicts(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            s = slice(8 * i, 8 * i + 8)
            return {"a": xa[s], "b": xb[s]}, y[s]
    w0 = m.get_weights()
    from_ds = m.evaluate(Dicts(), verbose=0)
    from_arrays = m.evaluate({"a": xa, "b": xb}, y, batch_size=8, verbose=0)
    np.testing.assert_allclose(from_ds, from_arrays, rtol=1e-6)
    _quiet_fit(m, Dicts(), epochs=1)
    assert not np.allclose(m.get_weights()[0], w0[0])

