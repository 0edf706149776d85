"""Atomic writes (saving/atomic.py): a save killed at any moment leaves the previous file
intact, never a partial one."""

import mmap
import os
import signal
import stat
import time

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving import atomic
from fastkeras.saving.keras_file import KerasArchive

pytest.importorskip("h5py")
L = keras.layers


def test_atomic_write_replaces_the_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "f.txt"
    atomic.write_atomic(path, "one")
    atomic.write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    with atomic.atomic_write(path, "w") as f:
        f.write("three")
        assert path.read_text() == "two"  # not replaced before the block ends
    assert path.read_text() == "three"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"before")
    with pytest.raises(RuntimeError):
        with atomic.atomic_write(path) as f:
            f.write(b"half")
            raise RuntimeError("interrupted")
    assert path.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
    with pytest.raises(ValueError, match="whole files"):
        with atomic.atomic_write(path, "a"):
            pass


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_file_modes_are_those_of_a_plain_write(tmp_path):
    fresh = tmp_path / "new.bin"
    atomic.write_atomic(fresh, b"x")
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"x")
    assert stat.S_IMODE(fresh.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    os.chmod(fresh, 0o640)
    atomic.write_atomic(fresh, b"y")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


def _weights_in(data):
    """The variables stored in a `.keras` file's bytes, in file order (raises if the file
    is damaged: every entry's CRC is checked)."""
    archive = KerasArchive(data, "checked.keras")
    archive.config()
    reader = archive.weights()
    return [reader.get(path)[key] for path in sorted(reader.entries)
            for key in sorted(reader.entries[path])]


def _mark_writes(flag):
    """In the child: flag[0] is 1 from the creation of a temporary file to its rename, and
    the fsync takes 1 ms more (a slow disk), so that a kill can be aimed at that window."""
    open_exclusive, replace, fsync = atomic._open_exclusive, os.replace, os.fsync

    def opened(path):
        result = open_exclusive(path)
        flag[0] = 1
        return result

    def slow_fsync(fd):
        time.sleep(0.001)
        fsync(fd)

    def replaced(source, target):
        replace(source, target)
        flag[0] = 0

    atomic._open_exclusive = opened
    os.replace, os.fsync = replaced, slow_fsync  # the child's own os module only


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_saves_killed_at_random_moments_never_damage_the_previous_file(tmp_path):
    """100 trials: a forked child saves the model over and over, alternating two sets of
    weights, and is killed with SIGKILL; the file must then hold one complete version.
    Half the kills come after a random delay; half within 1.2 ms of the child opening its
    temporary file (a shared flag says when), so that many land between that and the
    rename on any file system (on tmpfs a write is a tiny part of a save)."""
    model = keras.Sequential([keras.Input((3,), name="x"), L.Dense(4, name="d"),
                              L.Dense(1, name="o")], name="kill")
    rng = np.random.default_rng(0)
    versions = [[rng.normal(size=w.shape).astype("float32") for w in model.get_weights()]
                for _ in range(2)]
    path = tmp_path / "model.keras"
    model.set_weights(versions[0])
    model.save(path)
    known = []
    for weights in versions:
        model.set_weights(weights)
        known.append(_weights_in(_bytes_of_save(model, tmp_path)))
    x = rng.normal(size=(5, 3)).astype("float32")
    predictions = []
    for weights in versions:
        model.set_weights(weights)
        predictions.append(model.predict(x, verbose=0))

    flag = mmap.mmap(-1, 1)  # shared with the children
    mid_write = leftovers = 0
    for trial in range(100):
        flag[0] = 0
        pid = os.fork()
        if pid == 0:  # the child: save forever, until killed
            try:
                _mark_writes(flag)
                i = 0
                while True:
                    model.set_weights(versions[i % 2])
                    model.save(path)
                    i += 1
            finally:
                os._exit(1)
        if trial % 2:
            deadline = time.monotonic() + 1.0
            while flag[0] == 0 and time.monotonic() < deadline:
                pass
            time.sleep(float(rng.uniform(0.0, 0.0012)))
        else:
            time.sleep(float(rng.uniform(0.0, 0.015)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        mid_write += flag[0]
        stored = _weights_in(path.read_bytes())
        matches = [all(np.array_equal(a, b) for a, b in zip(stored, version))
                   for version in known]
        assert any(matches), f"trial {trial}: the file holds neither version"
        if trial % 25 == 0:
            loaded = keras.models.load_model(path)
            np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                          predictions[matches.index(True)])
        for temporary in tmp_path.glob(".model.keras.*.tmp"):
            leftovers += 1
            temporary.unlink()
    assert mid_write >= 10 and leftovers >= 1, (mid_write, leftovers)


def _bytes_of_save(model, folder):
    path = folder / "version.keras"
    model.save(path)
    data = path.read_bytes()
    path.unlink()
    return data
