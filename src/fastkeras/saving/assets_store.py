"""The `assets/` folder of a `.keras` archive (Keras 3's DiskIOStore in
keras/src/saving/saving_lib.py): what an object's `save_assets(dir_path)` writes (a lookup
layer's `vocabulary.txt`) is stored as `assets/<object path>/<file>`, the object path being
the one of its variables in the weights file ("layers/string_lookup").

Writing: every object writes into its own folder of one temporary directory, whose files go
into the archive, sorted, once the walk is done. Reading: nothing is extracted up front;
the asset entries are read and checked (names, CRC) before the model is made, and an
object's `load_assets` gets a fresh temporary directory holding only the files under its
own path (None when there are none, as Keras), removed once the call returns."""

from __future__ import annotations

import os
import shutil
import tempfile

ASSETS_DIRNAME = "assets"
_TEMP_PREFIX = "fastkeras-assets-"


def _parts(path):
    """The folder names of a relative `/`-separated path; None when one is unsafe (empty,
    ".", "..", or holding a backslash or NUL)."""
    parts = path.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    return parts


def _inside(root, parts):
    """root/parts..., checked to resolve inside `root` (no link leads out)."""
    target = os.path.join(root, *parts)
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(target)]) != real_root:
        return None
    return target


class AssetsWriter:
    """Keras's `assets_store.make(path)` while a model is saved; then `entries()`."""

    def __init__(self):
        self._root = None  # made by the first make(): most models have no assets

    def make(self, path):
        """The (created) folder where the object at `path` writes its asset files."""
        if self._root is None:
            self._root = tempfile.mkdtemp(prefix=_TEMP_PREFIX)
        parts = _parts(path) if path else []
        target = None if parts is None else _inside(self._root, parts)
        if target is None:
            raise ValueError(f"Invalid asset path: '{path}' escapes the asset directory.")
        os.makedirs(target, exist_ok=True)
        return target

    def entries(self):
        """(archive entry name, bytes) of every file written, sorted by name."""
        out = []
        if self._root is None:
            return out
        for folder, _, files in os.walk(self._root):
            for name in files:
                full = os.path.join(folder, name)
                relative = os.path.relpath(full, self._root).replace(os.sep, "/")
                with open(full, "rb") as f:
                    out.append((f"{ASSETS_DIRNAME}/{relative}", f.read()))
        return sorted(out)

    def close(self):
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AssetsReader:
    """The asset files of a `.keras` archive (keras_file.KerasArchive), read and checked;
    `load(obj, path)` runs the object's `load_assets` on its own files."""

    def __init__(self, archive):
        from .errors import KerasFileError
        self.filename = archive.filename
        self._files = {}
        prefix = f"{ASSETS_DIRNAME}/"
        for name in archive.names:
            if not name.startswith(prefix) or name.endswith("/"):  # a folder entry: no data
                continue
            relative = name[len(prefix):]
            if _parts(relative) is None:
                raise KerasFileError(f"Not allowed: the archive {self.filename} holds an "
                                     f"asset entry with an unsafe name {name!r}.")
            if relative in self._files:
                raise KerasFileError(f"The file {self.filename} is damaged: it holds the "
                                     f"entry {name} twice.")
            self._files[relative] = archive.read(name)
        folders = {r.rsplit("/", i)[0] for r in self._files for i in range(1, r.count("/") + 1)}
        clash = sorted(folders & set(self._files))
        if clash:
            raise KerasFileError(f"The file {self.filename} is damaged: its entry "
                                 f"{prefix}{clash[0]} is both a file and a folder.")

    def names(self):
        """The asset files, as paths under `assets/`."""
        return sorted(self._files)

    def where(self, path):
        return f"{ASSETS_DIRNAME}/{path + '/' if path else ''} of {self.filename}"

    def load(self, obj, path):
        """`obj.load_assets(dir_path)`: dir_path a temporary directory holding the files
        under `assets/<path>/` (None when there are none); an error names that folder."""
        prefix = f"{path}/" if path else ""
        own = {r[len(prefix):]: data for r, data in self._files.items()
               if r.startswith(prefix)}
        try:
            if not own:
                obj.load_assets(None)
                return
            with tempfile.TemporaryDirectory(prefix=_TEMP_PREFIX) as folder:
                for relative, data in own.items():
                    target = _inside(folder, relative.split("/"))
                    if target is None:  # e.g. a drive name on Windows
                        raise ValueError(f"Invalid asset path: '{relative}' escapes the "
                                         "asset directory.")
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "xb") as f:
                        f.write(data)
                obj.load_assets(folder)
        except Exception as e:  # the caller collects it with the object, as Keras
            raise ValueError(f"{e} (while loading the asset files at "
                             f"{self.where(path)})") from e
