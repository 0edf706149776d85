"""`fastkeras demo`: train an MLP on the bundled 8x8 digits, Keras style."""

from __future__ import annotations

import time

import numpy as np


class _EpochTimer:
    """Times each epoch from inside fit (first epoch separately: it includes compiling)."""

    def __init__(self):
        from .callbacks import Callback

        timer = self

        class _CB(Callback):
            def on_epoch_begin(self, epoch, logs=None):
                timer._t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                timer.times.append(time.perf_counter() - timer._t0)

        self.times: list[float] = []
        self._t0 = 0.0
        self.callback = _CB()


def run_demo(backend=None, epochs=30, batch_size=32, verbose=None):
    import fastkeras as keras

    if backend:
        keras.config.set_backend(backend)
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
    print(f"fastkeras {keras.__version__} demo: 8x8 handwritten digits, {len(x_train)} train / "
          f"{len(x_test)} test samples, backend '{keras.config.backend()}'")
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = _EpochTimer()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
              validation_data=(x_test, y_test), callbacks=[timer.callback],
              verbose="auto" if verbose is None else verbose)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    steady = timer.times[1:] or timer.times
    # Each epoch's time includes the validation pass; report training samples per second.
    rate = len(x_train) / float(np.median(steady))
    print(f"test accuracy: {acc:.4f}  test loss: {loss:.4f}")
    print(f"throughput: {rate:,.0f} samples/s (median of epochs 2..{epochs}, incl. validation; "
          f"first epoch {timer.times[0] * 1e3:.1f} ms incl. compile), backend "
          f"'{keras.config.backend()}'")
    return 0 if acc >= 0.95 else 1
