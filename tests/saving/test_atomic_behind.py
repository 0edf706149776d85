"""Atomic writes behind the training (saving/atomic.py `writing_behind`): the fsyncs and
the rename run on a background thread, in call order; a read through the saving functions
waits for the file's pending writes; a failure is raised by the next call; a bad path
fails at the call; the interpreter's exit waits for every queued write."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving import atomic

pytest.importorskip("h5py")
L = keras.layers


@pytest.fixture
def slow_fsync(monkeypatch):
    """Every fsync takes 20 ms more (a slow disk), and lets the test hold the writer."""
    gate = threading.Event()
    gate.set()
    fsync = os.fsync

    def slow(fd):
        gate.wait()
        time.sleep(0.02)
        fsync(fd)

    monkeypatch.setattr(os, "fsync", slow)
    yield gate
    gate.set()
    atomic.wait_for_all()


def test_writes_land_in_call_order_and_leave_nothing_else(tmp_path, slow_fsync):
    path = tmp_path / "f.bin"
    path.write_bytes(b"before")
    slow_fsync.clear()  # hold the writer: nothing may reach the target yet
    with atomic.writing_behind():
        for i in range(5):
            atomic.write_atomic(path, f"v{i}".encode())
    assert path.read_bytes() == b"before"
    slow_fsync.set()
    atomic.wait_for(path)
    assert path.read_bytes() == b"v4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_only_inside_the_block_and_only_on_its_thread(tmp_path, slow_fsync):
    path = tmp_path / "f.txt"
    slow_fsync.clear()
    with atomic.writing_behind():
        other = threading.Thread(target=lambda: atomic.write_atomic(tmp_path / "g.txt", "g"))
        done = threading.Event()
        threading.Thread(target=lambda: (slow_fsync.set(), other.start(), other.join(),
                                         done.set())).start()
        done.wait(10)
        assert (tmp_path / "g.txt").read_text() == "g"  # that thread wrote at once
    slow_fsync.set()
    atomic.write_atomic(path, "now")  # outside the block: written when the call returns
    assert path.read_text() == "now"


def test_loading_waits_for_the_pending_save(tmp_path, slow_fsync):
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, name="d")], name="m")
    path = tmp_path / "m.keras"
    model.save(path)
    new = [w + 1.0 for w in model.get_weights()]
    model.set_weights(new)
    slow_fsync.clear()
    with atomic.writing_behind():
        model.save(path)
        model.save_weights(tmp_path / "m.weights.h5")
    threading.Timer(0.05, slow_fsync.set).start()
    loaded = keras.models.load_model(path)  # waits for the save above, not the old file
    for a, b in zip(loaded.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    loaded.set_weights([w * 0 for w in new])
    loaded.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(loaded.get_weights(), new):
        np.testing.assert_array_equal(a, b)


def test_a_failed_write_is_raised_by_the_next_call_and_keeps_the_file(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    path.write_bytes(b"before")
    replace = os.replace
    refused = threading.Semaphore(0)

    def refuse(source, target):
        if os.fspath(target) == os.fspath(path):
            refused.release()
            raise PermissionError(13, "Permission denied", os.fspath(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", refuse)
    with atomic.writing_behind():
        atomic.write_atomic(path, b"after")
    with pytest.raises(OSError, match=r"f\.bin failed in the background.*Permission denied"):
        atomic.wait_for(path)
    atomic.wait_for(path)  # raised once
    assert path.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]
    with atomic.writing_behind():
        atomic.write_atomic(path, b"again")
    assert refused.acquire(timeout=10) and refused.acquire(timeout=10)  # both refused
    monkeypatch.setattr(os, "replace", replace)
    atomic._writer.wait(str(path), raise_errors=False)  # the failure is recorded, not raised
    with pytest.raises(OSError, match="failed in the background"):
        with atomic.writing_behind():  # the next write raises the earlier failure
            atomic.write_atomic(path, b"third")
    atomic.wait_for_all()


def test_a_bad_path_fails_at_the_call(tmp_path):
    with atomic.writing_behind():
        with pytest.raises(IsADirectoryError, match="Is a directory"):
            atomic.write_atomic(tmp_path, b"x")
        with pytest.raises(FileNotFoundError):
            atomic.write_atomic(tmp_path / "missing" / "f.bin", b"x")
    atomic.wait_for_all()
    assert list(tmp_path.iterdir()) == []


def test_the_interpreter_exit_waits_for_the_queued_writes(tmp_path):
    script = f"""
import os, time
from fastkeras.saving import atomic
fsync = os.fsync
os.fsync = lambda fd: (time.sleep(0.1), fsync(fd))
with atomic.writing_behind():
    for i in range(3):
        atomic.write_atomic({str(tmp_path / 'f.bin')!r}, b"x" * 100000 + bytes([i]))
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert (tmp_path / "f.bin").read_bytes() == b"x" * 100000 + b"\x02"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_during_a_write_writes_on_its_own(tmp_path, slow_fsync):
    slow_fsync.clear()
    with atomic.writing_behind():
        atomic.write_atomic(tmp_path / "parent.bin", b"p")
    pid = os.fork()
    if pid == 0:  # the child: the parent's pending write is not its own
        code = 1
        try:
            slow_fsync.set()
            with atomic.writing_behind():
                atomic.write_atomic(tmp_path / "child.bin", b"c")
            atomic.wait_for_all()
            code = 0 if (tmp_path / "child.bin").read_bytes() == b"c" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    slow_fsync.set()
    atomic.wait_for_all()
    assert (tmp_path / "parent.bin").read_bytes() == b"p"
