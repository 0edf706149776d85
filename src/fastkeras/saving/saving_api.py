"""keras.saving.save_model / load_model / save_weights / load_weights (Keras 3's names,
arguments and errors; keras/src/saving/saving_api.py and saving_lib.py).

Every file is written atomically (atomic.py). A load reads and checks the whole file
before it changes anything: a damaged or mismatched file raises and leaves the model's
weights as they were (a failed load_weights restores every variable it had assigned)."""

from __future__ import annotations

import io
import os
import warnings

from . import atomic

_LEGACY_H5 = (".h5", ".hdf5")


def _ask_to_proceed_with_overwrite(filepath):
    """Keras's prompt when `overwrite=False` and the file exists."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def _may_write(filepath, overwrite):
    if not overwrite:
        atomic.wait_for(filepath)  # whether it exists, once its pending write is done
    try:
        exists = os.path.exists(filepath)
    except TypeError:
        exists = False
    return not exists or overwrite or _ask_to_proceed_with_overwrite(filepath)


def _is_file(path):
    """Whether `path` is a file, once any write of it behind the training (a checkpoint,
    saving/atomic.py) is on the disk: a load then reads the newest."""
    atomic.wait_for(path)
    return os.path.isfile(path)


def _read_file(filepath):
    if isinstance(filepath, io.IOBase):
        return filepath.read(), getattr(filepath, "name", "<file object>")
    with open(filepath, "rb") as f:
        return f.read(), os.fspath(filepath)


# ---- models ------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` (config, weights, optimizer state) as a `.keras` zip archive."""
    from .keras_file import model_to_bytes
    kwargs.pop("include_optimizer", None)  # Keras: for the legacy .h5 format only
    save_format = kwargs.pop("save_format", False)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    path = str(filepath) if not isinstance(filepath, io.IOBase) else None
    if save_format and path is not None and not path.endswith((".keras",) + _LEGACY_H5):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please remove "
                         "this argument and pass a file path with either `.keras` or `.h5` "
                         f"extension.Received: save_format={save_format}")
    if zipped is False:
        raise NotImplementedError("Saving a model as an unzipped directory (zipped=False) is "
                                  "not supported yet by fastkeras: save it as a `.keras` file.")
    if path is not None and path.endswith(_LEGACY_H5):
        raise NotImplementedError("fastkeras does not write the legacy Keras HDF5 model format "
                                  f"(.h5): save the model as a `.keras` file. Received: "
                                  f"filepath={filepath}")
    if path is not None and not path.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a "
                         "`.keras` extension for the native Keras format (recommended) or a "
                         f"`.h5` extension. Received: filepath={filepath}.")
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not "
                      "contain any weights yet. Consider building the model first by calling "
                      "it on some data.", stacklevel=2)
    if path is not None and not _may_write(path, overwrite):
        return
    data = model_to_bytes(model)
    if path is None:
        filepath.write(data)
    else:
        atomic.write_atomic(path, data)


def _archive(filepath):
    """The `.keras` archive at `filepath` (a path or a file object), read and checked."""
    from .keras_file import KerasArchive
    if not isinstance(filepath, io.IOBase):
        path = str(filepath)
        if path.endswith(_LEGACY_H5):
            raise ValueError(
                f"{path} is an HDF5 file: fastkeras's load_model reads Keras 3 `.keras` files "
                "(the legacy Keras 2 `.h5` model format is not supported). To load weights "
                "saved with `save_weights()` (`.weights.h5`), build the model and call "
                "`model.load_weights(filepath)`.")
        if not path.endswith(".keras"):
            raise ValueError(
                f"File format not supported: filepath={filepath}. Keras 3 only supports V3 "
                "`.keras` files and legacy H5 format files (`.h5` extension). Note that the "
                "legacy SavedModel format is not supported by `load_model()` in Keras 3.")
        if not _is_file(path):
            raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is "
                             "an accessible `.keras` zip file.")
    return KerasArchive(*_read_file(filepath))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a `.keras` file: rebuilt from its config (compiled, with its optimizer
    state, if it was compiled and `compile=True`), then its weights loaded. In safe mode
    (the default) a config holding Python bytecode (a lambda) is refused."""
    from .serialization_lib import deserialize_keras_object
    archive = _archive(filepath)
    config = archive.config()
    weights = archive.weights()  # parsed and checked before the model exists
    assets = archive.assets()  # as are the asset files (lookup layers' vocabularies)
    if not compile:
        config["compile_config"] = None
    try:
        model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode)
    except (TypeError, ValueError, NotImplementedError) as e:
        if type(e) not in (TypeError, ValueError, NotImplementedError):
            raise  # a subclass may not take a message alone
        raise type(e)(f"{e}\n\n(While loading the model's config from "
                      f"{archive.filename}.)") from e
    failures = _load_state(model, weights, undo=False,  # a new model: nothing to undo
                           assets=assets)
    if failures:
        raise ValueError(_failure_message(failures, archive.filename))
    return model


# ---- weights ------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """Saves the model's weights (and its optimizer's state) as a `.weights.h5` file. As
    Keras, it holds no asset files: an adapted lookup layer's vocabulary is not in it (its
    TF-IDF weights are)."""
    from .h5_store import WeightsWriter
    from .saveables import save_state
    objects_to_skip = kwargs.pop("objects_to_skip", None) or ()
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = str(filepath)
    if max_shard_size is not None:
        raise NotImplementedError("Sharded weights (max_shard_size=...) are not supported "
                                  "yet by fastkeras: save one `.weights.h5` file.")
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    if not model.built:
        raise ValueError("You are saving a model that has not yet been built. Try building "
                         "the model first by calling it on some data or by using `build()`.")
    if not _may_write(path, overwrite):
        return
    writer = WeightsWriter()
    save_state(model, writer, objects_to_skip)
    atomic.write_atomic(path, writer.to_bytes())


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights saved by save_weights (or a `.keras` file's, its assets left out, as
    Keras: lookup layers keep their vocabularies) into a built model.
    A mismatch raises and leaves every weight as it was; with `skip_mismatch=True` the
    mismatched objects keep theirs, the others load, and a warning lists them."""
    from .h5_store import WeightsReader
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = str(filepath)
    if path.endswith(".keras"):
        if objects_to_skip is not None:
            raise ValueError("`objects_to_skip` only supports loading '.weights.h5' files."
                             f"Received: {filepath}")
    elif path.endswith(".weights.json"):
        raise NotImplementedError("Sharded weights (`.weights.json`) are not supported yet "
                                  "by fastkeras.")
    elif path.endswith(_LEGACY_H5) and not path.endswith(".weights.h5"):
        raise NotImplementedError("Loading weights from the legacy Keras 2 HDF5 format "
                                  f"(`.h5`) is not supported by fastkeras. Received: {filepath}")
    elif not path.endswith(".weights.h5"):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only "
                         "supports V3 `.keras` files, `.weights.h5` files, legacy H5 format "
                         "files (`.h5` extension), or Orbax checkpoints.")
    if by_name is not None:
        raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {filepath}")
    if not model.built:
        raise ValueError("You are loading weights into a model that has not yet been built. "
                         "Try building the model first by calling it on some data or by "
                         "using `build()`.")
    if path.endswith(".keras"):
        reader = _archive(path).weights()
    else:
        if not _is_file(path):
            raise FileNotFoundError(f"No such weights file: {path}")
        data, name = _read_file(path)
        reader = WeightsReader(data, name)
    failures = _load_state(model, reader, objects_to_skip or (), undo=not skip_mismatch)
    if failures:
        message = _failure_message(failures, path)
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message, stacklevel=2)


def _load_state(model, reader, objects_to_skip=(), undo=True, assets=None):
    """Loads every saveable's variables (and assets, given a store: load_model only);
    on a failure (with `undo`) every variable gets back the value it had, so that the
    model is never half loaded."""
    from .saveables import load_state, state_variables
    before = [(v, v.numpy()) for v in state_variables(model)] if undo else []
    failures = load_state(model, reader, objects_to_skip, assets)
    if failures and undo:
        for variable, value in before:
            variable.assign(value)
    return failures


def _failure_message(failures, filename):
    """Keras's message for objects that could not be loaded, naming the file."""
    obj, error = failures[0]
    return (f"A total of {len(failures)} objects could not be loaded from {filename}. "
            f"Example error message for object {obj}:\n\n{error}\n\nList of objects that "
            f"could not be loaded:\n{[o for o, _ in failures]}")
