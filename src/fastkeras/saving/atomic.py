"""Atomic file writes: a file is either its previous content or its new content, never a
mix, even if the process is killed mid-write or the machine loses power.

The new content goes to a temporary file in the same directory (so that the rename stays
on one file system), which is flushed and fsynced, then renamed over the target with
`os.replace` (atomic on POSIX and Windows); the directory is fsynced so that the rename
itself survives a crash. model.save, save_weights and the callbacks that write files
(ModelCheckpoint, BackupAndRestore, CSVLogger) all write through here.

A process killed between creating and renaming its temporary file leaves it behind: a
hidden `.<name>.<random>.tmp` beside the target, never the target itself."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat


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
def atomic_write(path, mode="wb", encoding=None, newline=None):
    """`with atomic_write(path, "w") as f: f.write(...)`: the target is replaced only
    when the block ends without an exception; otherwise it is left as it was."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes whole files: mode 'w' or 'wb', not {mode!r}")
    path = os.fspath(path)
    fd, tmp = _open_exclusive(path)
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


def write_atomic(path, data):
    """Writes `data` (bytes or str) to `path` atomically."""
    with atomic_write(path, "wb" if isinstance(data, (bytes, bytearray, memoryview)) else "w",
                      encoding=None if isinstance(data, (bytes, bytearray, memoryview))
                      else "utf-8") as f:
        f.write(data)
