"""CSVLogger's file survives a crash: each epoch rewrites the file atomically with Keras's
bytes (tests/callbacks/test_keras_callbacks.py compares those with real Keras), so a
process killed at any moment leaves the complete rows of the epochs it finished."""

import os
import signal
import time

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving import atomic
from tests.fixtures.progress_cases import data, model_of


def _fit(path, epochs, callbacks=(), **kwargs):
    x, y = data(60)
    model_of(keras).fit(x[:40], y[:40], batch_size=16, epochs=epochs, shuffle=False,
                        verbose=0, validation_data=(x[40:], y[40:]),
                        callbacks=[keras.callbacks.CSVLogger(path, **kwargs), *callbacks])


def _check_complete(text, header_count=1):
    """Rows of a whole CSV file: a header, then epochs 0, 1, ... each with every column."""
    assert text.endswith("\r\n")
    lines = text[:-2].split("\r\n")
    header = lines[0].split(",")
    assert header == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    rows = [line.split(",") for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    for row in rows:
        assert len(row) == len(header) and all(np.isfinite(float(v)) for v in row[1:])
    return rows


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_killed_fit_leaves_the_rows_of_the_epochs_done(tmp_path):
    """Trials: a forked child fits for many short epochs and is killed with SIGKILL at a
    random moment once a few rows are in; the file must hold a header and whole rows."""
    rng = np.random.default_rng(0)
    counts = []
    for trial in range(6):
        path = tmp_path / f"log{trial}.csv"

        class Slow(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                time.sleep(0.002)

        pid = os.fork()
        if pid == 0:
            try:
                _fit(path, 10_000, [Slow()])
            finally:
                os._exit(1)
        deadline = time.monotonic() + 30
        while not path.exists() or path.read_bytes().count(b"\r\n") < 3:
            assert time.monotonic() < deadline, "the child wrote no rows"
            time.sleep(0.001)
        time.sleep(float(rng.uniform(0.0, 0.05)))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
        counts.append(len(_check_complete(path.read_bytes().decode())))
    assert min(counts) >= 2


def test_each_epoch_rewrites_the_file_atomically(tmp_path, monkeypatch):
    """Every write is a whole file through atomic.write_atomic, each a prefix-extension of
    the one before; the file is made (empty) when the fit begins, as Keras opens it."""
    versions = []
    write_atomic = atomic.write_atomic
    monkeypatch.setattr(atomic, "write_atomic",
                        lambda path, data: (versions.append(bytes(data)),
                                            write_atomic(path, data)))
    path = tmp_path / "log.csv"
    _fit(path, 3)
    assert versions[0] == b"" and len(versions) == 4
    for before, after in zip(versions, versions[1:]):
        assert after.startswith(before) and after.count(b"\r\n") == before.count(b"\r\n") + \
            (2 if before == b"" else 1)
    assert path.read_bytes() == versions[-1]
    _check_complete(versions[-1].decode())


def test_append_keeps_the_earlier_bytes(tmp_path):
    path = tmp_path / "log.csv"
    _fit(path, 2)
    first = path.read_bytes()
    _fit(path, 2, append=True)
    both = path.read_bytes()
    assert both.startswith(first) and both.count(b"\r\n") == first.count(b"\r\n") + 2
    # a file without a trailing line end is continued as it is (Keras appends to it)
    path.write_bytes(first[:-2])
    _fit(path, 1, append=True)
    assert path.read_bytes().startswith(first[:-2] + b"0,")
