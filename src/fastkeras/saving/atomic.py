"""Atomic file writes: a file is either its previous content or its new content, never a
mix, even if the process is killed mid-write or the machine loses power.

The new content goes to a temporary file in the same directory (so that the rename stays
on one file system), which is flushed and fsynced, then renamed over the target with
`os.replace` (atomic on POSIX and Windows); the directory is fsynced so that the rename
itself survives a crash. model.save, save_weights and the callbacks that write files
(ModelCheckpoint, BackupAndRestore, CSVLogger) all write through here.

A process killed between creating and renaming its temporary file leaves it behind: a
hidden `.<name>.<random>.tmp` beside the target, never the target itself.

Writes behind training: the fsyncs of a write wait on the disk (1-2 ms here), which a
callback would otherwise add to every epoch. Inside `with writing_behind():` (ModelCheckpoint,
CSVLogger) `write_atomic` creates the temporary file at once (so that a bad path fails at
the call) and hands the data to a background thread that writes, fsyncs and renames, one
file after the other in call order. Reading a file through the saving functions first waits
for its pending writes (`wait_for`); the callbacks wait for all of theirs at the end of fit,
and the interpreter waits for them before it exits. A failed background write is
raised by the next `write_atomic`, `wait_for` or `wait_for_all`."""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import secrets
import stat
import threading


def _temporary_path(path):
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")


def _open_exclusive(path):
    """A new temporary file beside `path` (created with the usual permissions: 0o666
    less the umask, or the existing target's)."""
    for _ in range(100):
        tmp = _temporary_path(path)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except OSError:
            pass  # no target yet (or no permission to read it): the umask's mode stays
        return fd, tmp
    raise FileExistsError(f"Could not create a temporary file beside {path}")


def _fsync_directory(path):
    if os.name != "posix":
        return  # Windows cannot open a directory; its rename is durable once it returns
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory
    finally:
        os.close(fd)


@contextlib.contextmanager
def _replacing(fd, tmp, path, mode="wb", encoding=None, newline=None):
    """The temporary file `tmp` (open as `fd`) as a file object; when the block ends its
    data is fsynced, it replaces `path` and the directory is fsynced; on an exception it is
    removed and `path` is left as it was."""
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(path)


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None, newline=None):
    """`with atomic_write(path, "w") as f: f.write(...)`: the target is replaced only
    when the block ends without an exception; otherwise it is left as it was."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes whole files: mode 'w' or 'wb', not {mode!r}")
    path = os.fspath(path)
    fd, tmp = _open_exclusive(path)
    with _replacing(fd, tmp, path, mode, encoding, newline) as f:
        yield f


def _as_bytes(data):
    return bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) \
        else data.encode("utf-8")


def write_atomic(path, data):
    """Writes `data` (bytes or str, as UTF-8) to `path` atomically; inside
    `writing_behind()`, in the background (the module's docstring)."""
    if getattr(_behind, "active", False):
        _writer.submit(os.fspath(path), _as_bytes(data))
        return
    with atomic_write(path, "wb") as f:
        f.write(_as_bytes(data))


# ---- writes behind -----------------------------------------------------------------------
_behind = threading.local()


@contextlib.contextmanager
def writing_behind():
    """`write_atomic` calls in this block (this thread only) return before the disk has the
    data; see the module's docstring."""
    outer = getattr(_behind, "active", False)
    _behind.active = True
    try:
        yield
    finally:
        _behind.active = outer


def _finish_write(fd, tmp, path, data):
    """The background half of atomic_write: write, fsync, rename, fsync the directory."""
    with _replacing(fd, tmp, path) as f:
        f.write(data)


class _BackgroundWriter:
    """One thread that runs the queued writes in order. It starts with the first write and
    then sleeps until the next; it is a daemon, and an exit handler waits for the writes
    still queued (atexit runs before the interpreter stops daemon threads)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue = collections.deque()  # (fd, tmp, path, data) in call order
        self._pending = collections.Counter()  # path -> writes queued or running
        self._errors = []  # (path, exception) of failed writes, not yet raised
        self._thread = None

    def submit(self, path, data):
        self._raise_errors(None)
        if os.path.isdir(path):
            raise IsADirectoryError(f"Is a directory: {path!r}")
        fd, tmp = _open_exclusive(path)
        with self._lock:
            self._queue.append((fd, tmp, path, data))
            self._pending[path] += 1
            self._changed.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fastkeras-writes",
                                                daemon=True)
                self._thread.start()

    def _run(self):
        while True:
            with self._lock:
                while not self._queue:
                    self._changed.wait()
                fd, tmp, path, data = self._queue.popleft()
            try:
                _finish_write(fd, tmp, path, data)
            except BaseException as e:  # raised in the caller's thread by the next call
                with self._lock:
                    self._errors.append((path, e))
            with self._lock:
                self._pending[path] -= 1
                if not self._pending[path]:
                    del self._pending[path]
                self._changed.notify_all()

    def wait(self, path, raise_errors=True):
        """Until no write of `path` (None: of any file) is queued or running."""
        with self._lock:
            while self._pending[path] if path is not None else self._pending:
                self._changed.wait()
        if raise_errors:
            self._raise_errors(path)

    def _raise_errors(self, path):
        with self._lock:
            failed, kept = [], []
            for entry in self._errors:
                (failed if path is None or entry[0] == path else kept).append(entry)
            self._errors = kept
        if failed:
            p, e = failed[0]
            raise OSError(f"Writing {p} failed in the background: {e}") from e

    def forget_after_fork(self):
        """In a forked child: the parent's queue and thread are not the child's."""
        self.__init__()


_writer = _BackgroundWriter()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_writer.forget_after_fork)
atexit.register(lambda: _writer.wait(None, raise_errors=False))


def wait_for(path):
    """Waits until `path` has no write pending in the background (then raises the error of
    one that failed)."""
    try:
        path = os.fspath(path)
    except TypeError:
        return  # a file object: never written behind
    _writer.wait(path)


def wait_for_all():
    """Waits until every write behind has reached the disk (or raises the first that
    failed)."""
    _writer.wait(None)
