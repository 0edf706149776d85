"""Keras 3's weights file (`.weights.h5`, and `model.weights.h5` inside a `.keras`
archive), written and read with h5py (imported here, only when a file is written or read).

Layout (keras/src/saving/saving_lib.py, H5IOStore): one group per saveable object at its
path (`layers/dense`, `layers/sequential/layers/dense`, `optimizer`; "" for the model
itself) holding a "vars" group with the object's name as attribute "name" and its
variables as datasets "0", "1", ...

Reading parses the whole file into arrays before anything is assigned, and refuses what
Keras refuses: soft and external links, external or virtual datasets, and datasets that
declare far more data than the file stores (a "shape bomb")."""

from __future__ import annotations

import io
import math

import numpy as np

# A dataset declaring more than this many bytes must store at least 1/_MAX_EXPANSION of
# them (Keras: 4 GiB; fastkeras is stricter, it never compresses what it writes).
_BOMB_FLOOR_BYTES = 1 << 26
_MAX_EXPANSION = 1000
_MAX_DEPTH = 64  # deeper than any model; also stops a cycle of hard links
_NUMERIC_KINDS = "biuf"
# Files built per layout, kept for the next write of the same layout (WeightsWriter).
_TEMPLATES: dict = {}
_MAX_TEMPLATES = 4


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is in the "saving" extra
        raise ImportError("h5py must be installed in order to save or load weights: "
                          "pip install h5py (or fastkeras[saving]).") from e
    return h5py


class VariableStore(dict):
    """What `save_own_variables(store)` writes into: `store["0"] = variable` keeps a copy
    of the value as a NumPy array."""

    def __setitem__(self, key, value):
        super().__setitem__(str(key), np.array(value, copy=True))


class WeightsWriter:
    """Collects each saveable's variables (`make(path, metadata)`, as Keras's store), then
    writes them as one HDF5 file (`to_bytes`)."""

    def __init__(self):
        self.entries = []  # (path, metadata, VariableStore), in the order of the walk

    def make(self, path, metadata=None):
        store = VariableStore()
        self.entries.append((path, dict(metadata or {}), store))
        return store

    def _layout(self):
        """What the file's structure depends on: paths, attributes, names, shapes, dtypes."""
        return tuple((path, tuple(sorted((k, str(v)) for k, v in metadata.items())),
                      tuple((k, v.shape, v.dtype.str) for k, v in store.items()))
                     for path, metadata, store in self.entries)

    def to_bytes(self) -> bytes:
        """The HDF5 file. A checkpoint written every epoch has the same layout each time:
        the first file of a layout is built with h5py and kept with its datasets' offsets,
        and the next ones are that image with the new values copied in at those offsets
        (0.05 ms instead of ~4 ms for a small model; the bytes equal a fresh build's)."""
        layout = self._layout()
        cached = _TEMPLATES.get(layout)
        if cached is None:
            cached = self._build()
            _TEMPLATES[layout] = cached
            while len(_TEMPLATES) > _MAX_TEMPLATES:
                _TEMPLATES.pop(next(iter(_TEMPLATES)))
        image, offsets = cached
        if offsets is None:  # a layout h5py did not store contiguously: built each time
            return self._build()[0]
        out = bytearray(image)
        values = [v for _, _, store in self.entries for v in store.values()]
        for offset, value in zip(offsets, values):
            if offset is not None:  # the array's bytes copied in place (no tobytes() copy)
                raw = memoryview(np.ascontiguousarray(value)).cast("B")
                out[offset:offset + raw.nbytes] = raw
        return bytes(out)

    def _build(self):
        """(the file's bytes, each dataset's data offset in the walk's order, or None where
        one has no offset to patch: then the whole layout is rebuilt every time)."""
        h5py = _h5py()
        buffer = io.BytesIO()
        offsets = []
        with h5py.File(buffer, "w") as f:
            for path, metadata, store in self.entries:
                if not metadata and not store:
                    continue  # Keras makes a group only for a named object or a value
                group = f.create_group(f"{path}/vars" if path else "vars")
                for key, value in metadata.items():
                    group.attrs[key] = value
                for key, value in store.items():
                    offsets.append(_write_dataset(h5py, group, key, value))
        sizes_ok = all(o is not None or v.size == 0 for o, v in zip(
            offsets, (v for _, _, store in self.entries for v in store.values())))
        return buffer.getvalue(), (offsets if sizes_ok else None)


def _write_dataset(h5py, group, name, value):
    """`group[name] = value` through h5py's low-level calls: the same contiguous dataset
    (default properties, the array's dtype and shape) in ~60% of the high-level time, which
    is most of a small model's checkpoint (ModelCheckpoint runs it every epoch)."""
    value = np.asarray(value, order="C")  # (ascontiguousarray would make a scalar 1-D)
    space = h5py.h5s.create_simple(value.shape) if value.shape else \
        h5py.h5s.create(h5py.h5s.SCALAR)
    dataset = h5py.h5d.create(group.id, name.encode(), h5py.h5t.py_create(value.dtype), space)
    dataset.write(h5py.h5s.ALL, h5py.h5s.ALL, value)
    return dataset.get_offset()  # where its data starts in the file (None: none stored)


class WeightsReader:
    """A weights file parsed into arrays: `get(path)` is the dict of one object's variables
    ({} if the file has none for it), as Keras's H5IOStore.get."""

    def __init__(self, source, filename):
        self.filename = filename
        self.entries: dict[str, dict[str, np.ndarray]] = {}
        self.groups: set[str] = set()
        h5py = _h5py()
        try:
            f = h5py.File(io.BytesIO(source) if isinstance(source, (bytes, bytearray))
                          else source, "r")
        except OSError as e:
            raise OSError(f"Unable to read the weights file {filename}: it is not a valid "
                          f"HDF5 file ({e}).") from e
        except Exception as e:  # h5py's other complaints about a damaged file
            raise OSError(f"Unable to read the weights file {filename}: {e}") from e
        try:
            with f:
                self._read_group(h5py, f, "", 0)
        except (WeightsFileError, MemoryError):
            raise
        except Exception as e:  # a damaged file fails inside h5py in many ways
            raise OSError(f"Unable to read the weights file {filename}: it is damaged "
                          f"({type(e).__name__}: {e}).") from e

    def _refuse(self, problem):
        raise WeightsFileError(f"Not allowed: the weights file {self.filename} {problem}.")

    def _check_link(self, h5py, group, name, path):
        """Only hard links: a soft or external link could point anywhere (another file)."""
        link = group.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            self._refuse(f"holds a {type(link).__name__} at {path}/{name}")

    def _read_group(self, h5py, group, path, depth):
        if depth > _MAX_DEPTH:
            self._refuse(f"nests groups deeper than {_MAX_DEPTH} levels at {path!r}")
        self.groups.add(path)
        for name in group.keys():
            self._check_link(h5py, group, name, path)
            child = group[name]
            child_path = f"{path}/{name}" if path else name
            if isinstance(child, h5py.Group):
                if name == "vars":
                    self.entries[path] = self._read_vars(h5py, child, child_path)
                else:
                    self._read_group(h5py, child, child_path, depth + 1)

    def _read_vars(self, h5py, group, path):
        values = {}
        for key in group.keys():
            self._check_link(h5py, group, key, path)
            dataset = group[key]
            if not isinstance(dataset, h5py.Dataset):
                self._refuse(f"holds a group where a variable was expected: {path}/{key}")
            values[key] = self._read_dataset(dataset, f"{path}/{key}")
        return values

    def _read_dataset(self, dataset, where):
        if dataset.external:
            self._refuse(f"has an external dataset at {where}")
        if dataset.is_virtual:
            self._refuse(f"has a virtual dataset at {where}")
        if dataset.dtype.kind not in _NUMERIC_KINDS or dataset.dtype.fields:
            raise WeightsFileError(f"The weights file {self.filename} holds a variable of "
                                   f"type {dataset.dtype} at {where}; variables are numbers.")
        declared = math.prod(dataset.shape) * dataset.dtype.itemsize
        stored = dataset.id.get_storage_size()
        if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
            self._refuse(f"declares {declared} bytes for {where} but stores {stored}: "
                         "refusing a potential decompression/shape bomb")
        return np.asarray(dataset[()])

    def get(self, path):
        return {k: v.copy() for k, v in self.entries.get(path, {}).items()}

    def has_path(self, path):
        return path in self.groups


class WeightsFileError(ValueError):
    """A weights file that is readable but not acceptable (unsafe or malformed content)."""
