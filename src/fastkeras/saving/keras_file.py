"""The `.keras` archive (Keras 3's format, keras/src/saving/saving_lib.py): a zip holding
`metadata.json`, `config.json` (the model's serialized config, with its "build_config" and
"compile_config"), `model.weights.h5` (h5_store.py's layout) and, for the objects that
have some (lookup layers' vocabularies), `assets/<object path>/<file>` (assets_store.py),
stored uncompressed.

Reading happens in memory: nothing is extracted (an object's asset files are written to a
temporary directory of their own while it loads them), every entry name is checked (no "..",
no absolute path), entries are refused when they declare far more data than they store,
and the zip's CRC of every entry read is checked, so a damaged file fails here, before a
model exists."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

from .assets_store import AssetsWriter
from .errors import KerasFileError
from .h5_store import WeightsWriter
from .saveables import save_state
from .serialization_lib import serialize_keras_object

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The Keras release whose file format fastkeras writes (Keras does not read it back).
KERAS_FORMAT_VERSION = "3.15.1"
# An entry declaring more than this must not expand more than _MAX_EXPANSION times its
# stored size (Keras stores entries uncompressed; DEFLATE cannot exceed ~1032x).
_BOMB_FLOOR_BYTES = 1 << 26
_MAX_EXPANSION = 100
# json.dumps's text; no circular-reference check: serialize_keras_object's output is a
# fresh tree (a cycle in a config already fails there).
_CONFIG_ENCODER = json.JSONEncoder(check_circular=False)


def model_to_bytes(model) -> bytes:
    """The `.keras` archive of `model`, as bytes (the caller writes them atomically)."""
    import fastkeras
    config_json = _CONFIG_ENCODER.encode(serialize_keras_object(model))
    metadata_json = json.dumps({
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "fastkeras_version": fastkeras.__version__})
    writer = WeightsWriter()
    with AssetsWriter() as assets:
        save_state(model, writer, assets=assets)
        asset_entries = assets.entries()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA_FILENAME, metadata_json)
        zf.writestr(CONFIG_FILENAME, config_json)
        zf.writestr(WEIGHTS_FILENAME, writer.to_bytes())
        for name, data in asset_entries:  # after the weights, as Keras
            zf.writestr(name, data)
    return buffer.getvalue()


def _check_name(name, filename):
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise KerasFileError(f"Not allowed: the archive {filename} holds an entry with an "
                             f"unsafe path {name!r} (absolute or with '..').")


class KerasArchive:
    """The entries of a `.keras` file, read in memory and checked."""

    def __init__(self, data: bytes, filename):
        self.filename = filename
        if not data:
            raise KerasFileError(f"The file {filename} is empty: it is not a `.keras` file.")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data), "r")
            infos = self._zip.infolist()
        except zipfile.BadZipFile as e:
            raise KerasFileError(f"The file {filename} is not a valid `.keras` file (a zip "
                                 f"archive): {e}.") from e
        except Exception as e:  # damaged structures fail inside zipfile in other ways
            raise KerasFileError(f"The file {filename} is not a valid `.keras` file: the zip "
                                 f"archive is damaged ({type(e).__name__}: {e}).") from e
        for info in infos:
            _check_name(info.filename, filename)
        self.names = [info.filename for info in infos]

    def has(self, name):
        return name in self.names

    def read(self, name) -> bytes:
        if name not in self.names:
            raise KerasFileError(f"The file {self.filename} is not a valid `.keras` file: it "
                                 f"has no {name} (entries: {self.names}).")
        info = self._zip.getinfo(name)
        if info.file_size > _BOMB_FLOOR_BYTES and \
                info.file_size > _MAX_EXPANSION * max(info.compress_size, 1):
            raise KerasFileError(f"Not allowed: the entry {name} of {self.filename} declares "
                                 f"{info.file_size} bytes but stores {info.compress_size}: "
                                 "refusing a potential decompression bomb.")
        try:
            with self._zip.open(info, "r") as f:
                data = f.read(info.file_size + 1)
        except Exception as e:  # bad CRC, bad compression data, truncated archive...
            raise KerasFileError(f"The file {self.filename} is damaged: its entry {name} "
                                 f"cannot be read ({type(e).__name__}: {e}).") from e
        if len(data) != info.file_size:
            raise KerasFileError(f"The file {self.filename} is damaged: its entry {name} "
                                 f"holds {len(data)} bytes, not the {info.file_size} declared.")
        return data

    def config(self) -> dict:
        """config.json, parsed: the model's serialized config."""
        raw = self.read(CONFIG_FILENAME)
        try:
            config = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise KerasFileError(f"The file {self.filename} is damaged: its {CONFIG_FILENAME} "
                                 f"is not valid JSON ({e}).") from e
        if not isinstance(config, dict) or "class_name" not in config:
            raise KerasFileError(f"The file {self.filename} is not a valid `.keras` file: its "
                                 f"{CONFIG_FILENAME} is not a serialized model config.")
        return config

    def weights(self):
        """model.weights.h5, parsed (h5_store.WeightsReader)."""
        from .h5_store import WeightsReader
        if not self.has(WEIGHTS_FILENAME):
            if self.has("model.weights.npz"):
                raise NotImplementedError(f"{self.filename} stores its weights as "
                                          "model.weights.npz, which fastkeras does not read "
                                          "yet: save it with Keras's default (h5) format.")
            raise KerasFileError(f"Expected a {WEIGHTS_FILENAME} or model.weights.npz file in "
                                 f"{self.filename} (entries: {self.names}).")
        name = f"{self.filename}/{WEIGHTS_FILENAME}"
        try:
            return WeightsReader(self.read(WEIGHTS_FILENAME), name)
        except OSError as e:  # inside an archive the whole file is the problem: ValueError
            raise KerasFileError(str(e)) from e

    def assets(self):
        """The `assets/` entries, read and checked (assets_store.AssetsReader)."""
        from .assets_store import AssetsReader
        return AssetsReader(self)
