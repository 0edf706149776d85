"""fit's shuffle="batch" and steps with arrays, beyond the Keras fixtures
(tests/fixtures/feeding_cases.py holds the cases compared with real Keras)."""

import os
import sys
import warnings

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.trainers import array_epochs

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import feeding_cases as fc  # noqa: E402


def test_batch_shuffle_permutes_inside_each_block_only():
    keras.utils.set_random_seed(3)
    firsts = []
    for _ in range(400):
        perm = array_epochs.permutation(30, 8, "batch")
        for start in range(0, 30, 8):
            block = perm[start:start + 8]
            assert sorted(block) == list(range(start, min(start + 8, 30)))
        firsts.append(perm[0])
    # Every row of the first block leads it about equally often (uniform within a block).
    counts = np.bincount(firsts, minlength=8)
    assert counts.min() > 25 and counts.max() < 80
    assert not np.array_equal(array_epochs.permutation(30, 8, "batch"), np.arange(30))


def test_batch_shuffle_trains_like_no_shuffle():
    # A mean loss's gradient does not depend on the order of rows inside a batch, so
    # shuffle="batch" gives shuffle=False's weights; shuffle=True does not.
    runs = {}
    for mode in (False, "batch", True):
        keras.utils.set_random_seed(1)
        m = fc.model(keras)
        m.fit(fc.X, fc.Y, batch_size=8, epochs=3, shuffle=mode, verbose=0)
        runs[mode] = m.get_weights()
    for a, b in zip(runs[False], runs["batch"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(a, b) for a, b in zip(runs[False], runs[True]))


@pytest.mark.parametrize("kwargs, message", [
    ({"shuffle": "rows"}, "`shuffle` must be True, False or 'batch'"),
    ({"steps_per_epoch": 0}, "`steps_per_epoch` must be a positive integer"),
    ({"validation_steps": 1.5, "validation_data": (fc.X, fc.Y)},
     "`validation_steps` must be a positive integer"),
])
def test_bad_shuffle_and_steps_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fc.model(keras).fit(fc.X, fc.Y, verbose=0, **kwargs)


def test_steps_per_epoch_progress_counts_and_continues_the_pass():
    seen = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

        def on_train_begin(self, logs=None):
            seen.append(("steps", self.params["steps"]))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc.model(keras).fit(fc.X, fc.Y, batch_size=8, epochs=3, steps_per_epoch=2,
                            shuffle=True, verbose=0, callbacks=[Count()])
    # 5 batches a pass: 2, 2, then the fifth alone (the pass ran out).
    assert seen == [("steps", 2), 0, 1, 0, 1, 0]


def test_predict_stream_gives_callbacks_the_outputs():
    outs = []

    class Keep(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            outs.append(logs["outputs"])

    m = fc.model(keras)
    got = m.predict(fc.batches(5), verbose=0, callbacks=[Keep()])
    np.testing.assert_allclose(np.concatenate(outs), got, rtol=1e-6)
    np.testing.assert_allclose(got, m.predict(fc.X, verbose=0), rtol=1e-6)


def test_pandas_x_y_sample_weight_train_as_their_arrays():
    pd = pytest.importorskip("pandas")  # the optional `pandas` extra
    df = pd.DataFrame(fc.X, columns=list("abcd"))
    a, b = fc.model(keras), fc.model(keras)
    ha = a.fit(df, pd.Series(fc.Y[:, 0]), sample_weight=pd.Series(fc.SW), batch_size=8,
               epochs=2, shuffle=False, verbose=0)
    hb = b.fit(fc.X, fc.Y, sample_weight=fc.SW, batch_size=8, epochs=2, shuffle=False,
               verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(a.predict(df, verbose=0), b.predict(fc.X, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(a.evaluate(df, pd.DataFrame(fc.Y), verbose=0),
                               b.evaluate(fc.X, fc.Y, verbose=0), rtol=1e-6)


def test_pandas_columns_by_input_name():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(fc.X, columns=list("abcd"))

    def two_inputs():
        keras.utils.set_random_seed(5)
        a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
        m = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
        m.compile("sgd", "mse")
        return m
    m1, m2 = two_inputs(), two_inputs()
    h1 = m1.fit({"a": df[["a", "b"]], "b": df[["c", "d"]]}, df["a"], shuffle=False,
                verbose=0, epochs=2)
    h2 = m2.fit({"a": fc.X[:, :2], "b": fc.X[:, 2:]}, fc.X[:, 0], shuffle=False, verbose=0,
                epochs=2)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)
