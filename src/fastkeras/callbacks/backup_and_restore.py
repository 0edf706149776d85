"""BackupAndRestore: backs up the training state during fit so that a fit interrupted
(an exception, a killed process) resumes where the last backup was taken.

Keras's files in `backup_dir`: `latest.weights.h5` (the model's weights and optimizer
state) and `training_metadata.json` ({"epoch": ..., "batch": ...}), with `.bkp` copies of
both under `double_checkpoint`. fastkeras adds a "fastkeras" key to the metadata (Keras
reads only "epoch"): the random state, so that a resumed fit draws what an uninterrupted
one would have drawn, and a SHA-256 of the weights file, so that the two files are known
to belong together.

Writing the pair: the weights go to a pending file, then the metadata (naming the new
weights and keeping the previous state's entry) replaces the old one, then the pending
file replaces `latest.weights.h5`; each step is atomic. A kill between the last two
leaves the old weights with the new metadata, whose "previous" entry matches them, so a
restore never pairs weights with another backup's epoch or random state."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

from ..saving import atomic
from ..utils import random as global_random
from .callback import Callback
from .save_schedule import BatchSaveCounter

_PENDING_WEIGHTS = ".pending.weights.h5"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_atomic(source, target):
    with open(source, "rb") as f:
        atomic.write_atomic(target, f.read())


def _seed_generators(model):
    """Every SeedGenerator of the model's layers, once each, in layer order."""
    out = []
    for layer in [model] + list(getattr(model, "layers_flat", [])):
        for sg in getattr(layer, "_seed_generators", ()):
            if all(sg is not seen for seen in out):
                out.append(sg)
    return out


def random_state(model):
    """The random state a resumed fit needs: fastkeras's global NumPy generator (it draws
    each epoch's shuffle) and each SeedGenerator's seed and counter (Dropout's masks)."""
    return {"generator": global_random.generator_state(),
            "seed_generators": [[sg._initial_seed, int(sg.state.numpy())]
                                for sg in _seed_generators(model)]}


def set_random_state(model, state):
    """Puts back a `random_state(model)`. A SeedGenerator seeded differently in this run
    (a model rebuilt without `set_random_seed`) takes the saved seed, and the model's
    compiled steps, which hold the seeds, are rebuilt."""
    if not state:
        return
    global_random.set_generator_state(state["generator"])
    generators = _seed_generators(model)
    saved = state.get("seed_generators", [])
    if len(saved) != len(generators):
        raise ValueError(f"The backup holds the state of {len(saved)} seed generators but "
                         f"the model has {len(generators)}: it was made for another model.")
    reseeded = False
    for sg, (seed, counter) in zip(generators, saved):
        if sg._initial_seed != seed:
            sg._initial_seed = int(seed)
            reseeded = True
        sg.state.assign(counter)
    if reseeded:
        model._steps.reset()


class BackupAndRestore(Callback):
    """Backs up the model's weights, optimizer state, epoch and random state in
    `backup_dir` at each epoch's end (`save_freq="epoch"`) or every N training batches
    (keras.callbacks.BackupAndRestore). At the start of fit it restores the last backup
    and fit starts at its epoch; at the end of a fit that completes, `backup_dir` is
    deleted (`delete_checkpoint=True`). `double_checkpoint` also keeps the backup before
    the last, used when the last cannot be read.

    Resuming from a backup taken mid-epoch (save_freq=N) restores the epoch only, as
    Keras: fit runs that epoch again from its first batch, on weights that already had its
    first batches' updates (the global generator is put back as it was when the epoch
    began, so the epoch's batches come in the same order)."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._epoch_random_state = None
        self._backup_entry = None  # the metadata of the backup the model is at, if any
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = backup_dir
        self._weights_path = os.path.join(backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an integer "
                             "value.")
        self._batch_saves = None if save_freq == "epoch" else BatchSaveCounter(save_freq)

    @property
    def _batch_hook_interval(self):
        """Per epoch the batch hook returns at once (chunk ends only); every N batches,
        chunks end where a backup is due."""
        return None if self._batch_saves is None else self._batch_saves.hook_interval()

    # ---- restore --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._backup_entry = None  # until a backup is found (an earlier fit's was deleted)
        try:
            self._load_model()
        except OSError:
            # The last backup cannot be read: fall back to the one before it, if kept.
            if not os.path.exists(self._prev_weights_path):
                raise
            _copy_atomic(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy_atomic(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        model = self.model
        if not model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built "
                             f"before you call `fit()`. Model {model} is unbuilt. You can "
                             "build it beforehand by calling it on a batch of data.")
        weights_sha = None
        if os.path.exists(self._weights_path):
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(model.trainable_weights)  # so its state has somewhere to go
            model.load_weights(self._weights_path)
            weights_sha = _sha256(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                entry = self._entry_for(json.loads(f.read()), weights_sha)
            self._backup_entry = entry
            if entry is not None:
                model._initial_epoch = entry["epoch"]
                self._current_epoch = entry["epoch"]  # a batch backup before the epoch ends
                set_random_state(model, entry.get("fastkeras", {}).get("random_state"))

    @staticmethod
    def _entry_for(metadata, weights_sha):
        """The state that goes with the weights file (its SHA-256, None when absent): the
        metadata's own; or its previous entry where a kill came between writing the
        metadata and the weights (None: the first backup's weights never landed, nothing
        to restore). A file without hashes (written by Keras), or weights that match
        neither, go by the metadata, as Keras does."""
        ours = metadata.get("fastkeras")
        if not ours or ours.get("weights_sha256") == weights_sha:
            return metadata
        previous = ours.get("previous")
        if previous is None:
            return None if weights_sha is None else metadata
        if previous.get("fastkeras", {}).get("weights_sha256") == weights_sha:
            return previous
        return metadata

    # ---- backup ---------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        if self._batch_saves is not None:
            self._batch_saves.epoch_begins()
            # Before the epoch's shuffle is drawn: what a mid-epoch backup restores.
            self._epoch_random_state = global_random.generator_state()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._batch_saves is not None and self._batch_saves.batch_ended(batch):
            self._last_batch_seen = batch
            self._save_model(mid_epoch=True)

    def _save_model(self, mid_epoch=False):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:  # metadata first: see the module's docstring
            for path, prev in ((self._training_metadata_path, self._prev_training_metadata_path),
                               (self._weights_path, self._prev_weights_path)):
                if os.path.exists(path):
                    _copy_atomic(path, prev)
        pending = os.path.join(self.backup_dir, _PENDING_WEIGHTS)
        self.model.save_weights(pending, overwrite=True)
        state = random_state(self.model)
        if mid_epoch and self._epoch_random_state is not None:
            state["generator"] = self._epoch_random_state
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen,
                    "fastkeras": {"weights_sha256": _sha256(pending), "random_state": state,
                                  "previous": self._previous_entry()}}
        atomic.write_atomic(self._training_metadata_path, json.dumps(metadata))
        os.replace(pending, self._weights_path)
        atomic._fsync_directory(self._weights_path)  # the rename survives a power loss
        self._backup_entry = metadata

    def _previous_entry(self):
        """The entry of the backup being replaced, without its own previous entry."""
        if self._backup_entry is None:
            return None
        entry = dict(self._backup_entry)
        if "fastkeras" in entry:
            entry["fastkeras"] = {k: v for k, v in entry["fastkeras"].items()
                                  if k != "previous"}
        return entry

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
