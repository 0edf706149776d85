"""IndexLookup: the vocabulary table of IntegerLookup and StringLookup (layers/lookups.py),
in NumPy. Keras 3's behaviour (keras/src/layers/preprocessing/index_lookup.py), which runs
on TensorFlow hash tables: the index layout (mask, then the OOV indices, then the tokens),
adapt()'s vocabulary order, the TF-IDF weights, the configs and the errors.

The table is the tokens sorted once; a lookup is one vectorised binary search (np.searchsorted
over strings or integers), not a dict access per element."""

from __future__ import annotations

import collections
import os

import numpy as np

from .hashing import hash_to_bins, standardize_salt
from .host_layer import HostLayer, as_integers, encode_categorical
from .lookup_adapt import VocabularyAdapt

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_INT64_MAX = np.iinfo(np.int64).max  # the mask's index outside "int" mode: counted nowhere
VOCABULARY_ASSET = "vocabulary.txt"  # Keras's asset file name (one token a line)


def _check_choice(value, allowed, owner, arg):
    if not (isinstance(value, str) and value in allowed):
        raise ValueError(f"Unknown value for `{arg}` argument of {owner}. Allowed values are: "
                         f"{allowed}. Received: {arg}={value}")


def _listify(x):
    """A vocabulary or weights as the config writes them (arrays as lists)."""
    return x.tolist() if isinstance(x, np.ndarray) else x


class IndexLookup(VocabularyAdapt, HostLayer):
    """Maps tokens to indices (or, with invert=True, indices to tokens). Subclasses say how
    tokens are read: `_keys(data, what)` gives an array of str or int64."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        owner = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        _check_choice(oov_method, ("floormod", "farmhash"), owner, "oov_method")
        if salt is not None and vocabulary_dtype == "int64" and oov_method != "farmhash":
            raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. "
                             f"Received: oov_method={oov_method}")
        salt = standardize_salt(salt, f"The `salt` argument for `IndexLookup` can only be a "
                                      f"tuple of 2 integers, or a single integer. Received: "
                                      f"salt={salt}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(output_mode, _MODES, owner, "output_mode")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `'one_hot'`, "
                             f"`'multi_hot'`, `'count'` or `'tf_idf'`. Received: "
                             f"sparse={sparse} and output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)  # Keras ignores both
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.invert, self.max_tokens = invert, max_tokens
        self.num_oov_indices, self.mask_token, self.oov_token = num_oov_indices, mask_token, \
            oov_token
        self.output_mode, self.sparse, self.pad_to_max_tokens = output_mode, sparse, \
            pad_to_max_tokens
        self.vocabulary_dtype, self.oov_method = vocabulary_dtype, oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        # What the config writes back: the vocabulary as given (a file path is not kept).
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_vocabulary
        self._set_tokens(self._keys([], "vocabulary"))
        self.idf_weights = None
        if output_mode == "tf_idf":
            if has_vocabulary and idf_weights is None:
                raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                                 "mode, the `idf_weights` argument must also be provided.")
            if idf_weights is not None:
                self.idf_weights = np.asarray(idf_weights, "float32")
        self._init_adapt_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- index layout ----------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _default_index(self):
        """The index of a token not in the table before the OOV handling: the only OOV
        index when there is one, else -1 (none, or hashed into several)."""
        return self._oov_start_index() if self.num_oov_indices == 1 else -1

    def _keys(self, data, what):
        raise NotImplementedError

    def _set_tokens(self, tokens):
        """The table: tokens[i] has index token_start + i."""
        self._tokens = tokens
        self._order = np.argsort(tokens, kind="stable")
        self._sorted = tokens[self._order]

    # ---- vocabulary ------------------------------------------------------------------------
    def vocabulary_size(self):
        """The vocabulary's size, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order: the special tokens first (the mask in "int" mode,
        then `oov_token` once per OOV index) unless include_special_tokens is False."""
        vocab = [self.oov_token] * self._token_start_index() + self._tokens.tolist()
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (an array or list of tokens, or the path of a text file of one
        token a line) and, for "tf_idf", the IDF weights of the same length."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is "
                             f"`'tf_idf'`. Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            self._set_vocabulary_file(vocabulary)
            return
        vocabulary = self._keys(vocabulary, "vocabulary").reshape(-1)
        if vocabulary.size == 0:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary="
                             f"{vocabulary}")
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = len(vocabulary) >= token_start and \
            vocabulary[:token_start].tolist() == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens.tolist()).items() if n > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        for token, arg, applies in ((self.mask_token, "mask_token", True),
                                    (self.oov_token, "oov_token", self.invert)):
            if token is not None and applies and token in tokens.tolist():
                index = np.argwhere(vocabulary == token)[-1]
                raise ValueError(
                    f"Found reserved {'mask' if arg == 'mask_token' else 'OOV'} token at "
                    "unexpected location in `vocabulary`. Note that passed `vocabulary` does "
                    "not need to include the OOV and mask tokens. Either remove all mask and "
                    "OOV tokens, or include them only at the start of the vocabulary in "
                    f"precisely this order: {special}. Received: {arg}={token} at "
                    f"vocabulary index {index}")
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Received vocabulary size is {size}; `max_tokens` is "
                             f"{self.max_tokens}.")
        self._set_tokens(tokens)
        self._record_vocabulary_size()
        if self.output_mode == "tf_idf":
            self.idf_weights = self._padded_idf(idf_weights, len(vocabulary), found_special)

    def _set_vocabulary_file(self, path):
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary "
                             "from file.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()  # as TensorFlow's text file table: no special tokens
        tokens = self._keys(self._parse(lines, f"Vocabulary file {path}"),
                            f"vocabulary file {path}")
        repeated = [t for t, n in collections.Counter(tokens.tolist()).items() if n > 1]
        if repeated:
            raise ValueError(f"Vocabulary file {path} has repeated terms: {repeated}")
        self._set_tokens(tokens)
        self._record_vocabulary_size()

    def _parse(self, lines, source):
        """Tokens read from a text file's lines (integers in decimal)."""
        if self.vocabulary_dtype != "int64":
            return lines
        tokens = []
        for number, line in enumerate(lines, 1):
            try:
                tokens.append(int(line))
            except ValueError:
                raise ValueError(f"{source} holds a token that is not an integer at line "
                                 f"{number}: {line!r}.") from None
        return tokens

    def _padded_idf(self, idf_weights, vocabulary_length, found_special):
        """The IDF weights given with a vocabulary, one per index: the special tokens' set to
        the weights' mean when the vocabulary did not include them, zeros up to max_tokens
        with pad_to_max_tokens."""
        idf = np.asarray(idf_weights)
        if len(idf) != vocabulary_length:
            raise ValueError(f"`idf_weights` must be the same length as vocabulary. "
                             f"len(idf_weights) is {len(idf)}; len(vocabulary) is "
                             f"{vocabulary_length}")
        if idf.ndim != 1:
            raise ValueError(f"TF-IDF data must be a 1-index array. Received: "
                             f"type(idf_weights)={type(idf_weights)}")
        front = 0 if found_special else self._token_start_index()
        back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens else 0
        return np.concatenate([np.full(front, np.average(idf)), idf,
                               np.zeros(back)]).astype("float32")

    def _depth(self):
        """The width of one_hot/multi_hot/count/tf_idf vectors."""
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _ensure_known_vocab_size(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's vocabulary "
                               "before calling it. Either pass a `vocabulary` argument to the "
                               "layer, or call `adapt` with some sample data.")

    def _record_vocabulary_size(self):
        """The vector width is fixed by the first vocabulary (outside "int" mode)."""
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, the vocabulary size cannot be "
                               "changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {size}")
        self._frozen_vocab_size = size

    # ---- calling ---------------------------------------------------------------------------
    def output_specs(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            dtype = "int64" if not self.invert else self._token_dtype()
            return [(shape, dtype)]
        self._ensure_known_vocab_size()
        depth = self._depth()
        if self.output_mode == "one_hot" and not (len(shape) > 1 and shape[-1] == 1):
            return [(shape + (depth,), "float32")]
        return [(shape[:-1] + (depth,), "float32")]

    def _token_dtype(self):
        return "string" if self.vocabulary_dtype == "string" else "int64"

    def call(self, inputs):
        self._ensure_known_vocab_size()
        what = f"{type(self).__name__} layer {self.name!r}"
        if self.invert:
            return self._tokens_of(inputs, what)
        keys = self._keys(inputs, what)
        ids = self._lookup(keys)
        if self.output_mode == "int":
            return ids
        if self.output_mode != "tf_idf":  # int64 vectors, as Keras's (its spec says float)
            return encode_categorical(ids, self.output_mode, self._depth(), "int64")
        if self.idf_weights is None:
            raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                             "provided.")
        return encode_categorical(ids, "count", self._depth()) * self.idf_weights

    def _lookup(self, keys):
        """The index of each token (int64): the table's, the mask's, or an OOV index."""
        shape, keys = keys.shape, keys.reshape(-1)
        ids = np.full(keys.shape, self._default_index(), np.int64)
        if len(self._sorted):
            pos = np.searchsorted(self._sorted, keys)
            found = pos < len(self._sorted)
            found[found] = self._sorted[pos[found]] == keys[found]
            ids[found] = self._order[pos[found]] + self._token_start_index()
        if self.mask_token is not None:
            ids[keys == self.mask_token] = 0 if self.output_mode == "int" else _INT64_MAX
        if self.num_oov_indices == 0:
            missing = ids == -1
            if missing.any():
                raise ValueError(f"When `num_oov_indices=0` all inputs should be in "
                                 f"vocabulary, found OOV values {keys[missing]}, consider "
                                 "setting `num_oov_indices=1`.")
        elif self.num_oov_indices > 1:
            oov = ids == -1
            ids[oov] = self._oov_indices(keys[oov]) + self._oov_start_index()
        return ids.reshape(shape)

    def _oov_indices(self, keys):
        """Which of the OOV indices each unknown token takes: integers modulo their number
        (oov_method "floormod"), else the string's FarmHash (or SipHash with a salt)."""
        if keys.dtype.kind == "i" and self.oov_method != "farmhash":
            return np.mod(keys, self.num_oov_indices)
        return hash_to_bins(keys, self.num_oov_indices, self.salt)

    def _tokens_of(self, inputs, what):
        """invert=True: the token of each index (oov_token for any other, the mask token
        for 0 when there is one)."""
        ids = as_integers(inputs, what)
        pos = ids - self._token_start_index()
        known = (pos >= 0) & (pos < len(self._tokens))
        if self._token_dtype() == "string":
            out = np.full(ids.shape, "" if self.oov_token is None else self.oov_token,
                          dtype=object)
        else:
            out = np.full(ids.shape, -1 if self.oov_token is None else self.oov_token,
                          np.int64)
        out[known] = self._tokens[pos[known]]
        if self.mask_token is not None:
            out[ids == 0] = self.mask_token
        return out.astype(str) if out.dtype == object else out

    # ---- config ----------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            invert=self.invert, max_tokens=self.max_tokens,
            num_oov_indices=self.num_oov_indices, oov_token=self.oov_token,
            mask_token=self.mask_token, output_mode=self.output_mode, sparse=self.sparse,
            pad_to_max_tokens=self.pad_to_max_tokens, vocabulary_dtype=self.vocabulary_dtype,
            idf_weights=_listify(self.input_idf_weights),
            vocabulary=_listify(self.input_vocabulary),
            vocabulary_size=self._frozen_vocab_size, oov_method=self.oov_method,
            salt=self.salt)
        return config

    def get_build_config(self):
        return {}

    # ---- saving (Keras's hooks: the TF-IDF weights a variable, an adapted vocabulary an
    # asset file; a given vocabulary is in the config) ------------------------------------
    def save_own_variables(self, store):
        if self.output_mode == "tf_idf":
            store["idf_weights"] = np.asarray(self.idf_weights)

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf":
            idf = np.asarray(store["idf_weights"], "float32")
            if self.idf_weights is not None and self.idf_weights.shape != idf.shape:
                # Keras assigns into its variable: the shapes must match
                raise ValueError(f"The shape of the target variable and the shape of the "
                                 f"target value in `variable.assign(value)` must match. "
                                 f"variable.shape={self.idf_weights.shape}, Received: "
                                 f"value.shape={idf.shape}. Target variable: idf_weights of "
                                 f"{type(self).__name__} {self.name!r}")
            self.idf_weights = idf

    def save_assets(self, dir_path):
        if self.input_vocabulary is None:  # given: in the config
            path = os.path.join(dir_path, VOCABULARY_ASSET)
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(str(t) for t in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """The vocabulary of Keras's vocabulary.txt (special tokens first, as
        get_vocabulary gives it); in "tf_idf" mode with the IDF weights loaded before."""
        if self.input_vocabulary is not None:
            return
        owner = f"{type(self).__name__} {self.name!r}"
        path = None if dir_path is None else os.path.join(dir_path, VOCABULARY_ASSET)
        if path is None or not os.path.isfile(path):
            raise ValueError(f"The asset file {VOCABULARY_ASSET} of {owner} is missing: its "
                             "vocabulary (not in the config, as it was adapted or set after "
                             "the layer was made) cannot be restored.")
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except UnicodeDecodeError as e:
            raise ValueError(f"The asset file {VOCABULARY_ASSET} of {owner} is not UTF-8 "
                             f"text ({e}).") from None
        while lines and lines[-1] == "":
            lines.pop()
        lines = self._parse(lines, f"The asset file {VOCABULARY_ASSET} of {owner}")
        if self.output_mode == "tf_idf":
            self.set_vocabulary(lines, idf_weights=self.idf_weights)
        else:
            self.set_vocabulary(lines)

    def build_from_config(self, config):
        self.built = True
