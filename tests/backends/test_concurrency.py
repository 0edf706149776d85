"""One model used from several Python threads at once: executors that share a model's state
run one at a time, so every call gets the answer it would get alone."""

import threading

import numpy as np

import fastkeras as keras

# `backend`: the fixture of tests/conftest.py (each available backend in turn).


def _threads(target, n):
    ts = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def test_concurrent_predicts_each_get_their_own_answer(backend):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((256,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((128, 256)).astype(np.float32) for _ in range(3)]
    want = [model.predict(x, verbose=0) for x in xs]
    wrong = [0] * len(xs)

    def work(i):
        for _ in range(100 if backend == "cpu" else 10):
            if not np.array_equal(model.predict(xs[i], verbose=0), want[i]):
                wrong[i] += 1

    _threads(work, len(xs))
    assert wrong == [0] * len(xs)


def test_predict_while_training_sees_whole_steps(backend):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((512, 16)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    preds = []

    def work(i):
        if i == 0:
            model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        else:
            for _ in range(20):
                preds.append(model.predict(x[:8], verbose=0))

    _threads(work, 2)
    assert all(p.shape == (8, 1) and np.isfinite(p).all() for p in preds)
    assert len(model.history.history["loss"]) == 2
