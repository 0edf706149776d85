"""keras.layers.TextVectorization: strings to token ids (or multi-hot/count/TF-IDF vectors),
on the host in NumPy (a HostLayer: see layers/host_layer.py). Keras 3's behaviour
(keras/src/layers/preprocessing/text_vectorization.py), which runs on TensorFlow strings:

1. standardize: TensorFlow's `tf.strings.lower` (ASCII letters only: "ÄPFEL" -> "Äpfel") and
   Keras's punctuation regex, which is exactly the 32 ASCII punctuation characters;
2. split: TensorFlow's whitespace split (ASCII whitespace only: a no-break space is part of
   a token) or one token per Unicode code point;
3. ngrams: TensorFlow's `tf.strings.ngrams` (each width in turn, joined by " ", none for a
   sequence shorter than the width);
4. the token -> index table: a StringLookup with mask "" (index 0) and OOV "[UNK]" (1), held
   as `_lookup_layer` as in Keras, so a saved file has the same entries.

Rows of different token counts are padded with the mask token "", which the table maps to
0 ("int") or counts nowhere (vectors): Keras's ragged-to-dense padding.

Callables (fastkeras's form, as Keras's on its non-TensorFlow backends for `standardize`):
`standardize` gets a NumPy array of str (the input's shape) and returns an array-like of
str of the same shape; `split` gets a 1-D NumPy array of str (one per example) and returns
one sequence of str tokens per example (a list of lists, or a 2-D array).
"""

from __future__ import annotations

import string

import numpy as np

from .host_layer import HostLayer, as_strings
from .index_lookup import _check_choice, _listify
from .lookups import StringLookup

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
# Keras's regex [!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\'] is string.punctuation, all of it.
_STRIP_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ASCII_WHITESPACE = " \t\n\v\f\r"  # TensorFlow's split; str.split() would also cut at U+00A0


def _check_string_arg(value, allowed, arg):
    if value is None or callable(value):
        return
    if not (isinstance(value, str) and value in allowed):
        raise ValueError(f"Unknown value for `{arg}` argument of TextVectorization. Allowed "
                         f"values are: {allowed}. Received: {arg}={value}")


def standardize_strings(strings, standardize):
    """`strings` (an array of str) lowercased (ASCII) and/or stripped of punctuation."""
    table = {}
    if standardize in ("lower", "lower_and_strip_punctuation"):
        table.update(_ASCII_LOWER)
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        table.update(_STRIP_PUNCTUATION)
    if not table or strings.size == 0:
        return strings
    out = [s.translate(table) for s in strings.reshape(-1).tolist()]
    return np.array(out, dtype=str).reshape(strings.shape)


def split_strings(strings, split):
    """One list of tokens per string of the 1-D array `strings`."""
    values = strings.tolist()
    if split == "whitespace":
        return [_split_ascii_whitespace(s) for s in values]
    return [list(s) for s in values]  # "character": one token per code point


def _split_ascii_whitespace(text):
    if not text.isascii() and any(c.isspace() and c not in _ASCII_WHITESPACE for c in text):
        # Unicode spaces stay inside tokens: split at the ASCII ones only.
        tokens, start = [], None
        for i, c in enumerate(text):
            if c in _ASCII_WHITESPACE:
                if start is not None:
                    tokens.append(text[start:i])
                    start = None
            elif start is None:
                start = i
        if start is not None:
            tokens.append(text[start:])
        return tokens
    return text.split()


def make_ngrams(tokens, widths):
    """TensorFlow's ngrams of one token list: all of the first width, then the next."""
    return [" ".join(tokens[i:i + w]) for w in widths for i in range(len(tokens) - w + 1)]


def pad_rows(rows, length=None):
    """Token lists as one (rows, length) array of str, short rows padded with "" (the
    mask token); `length` None: the longest row's."""
    lengths = np.array([len(r) for r in rows], np.int64)
    width = int(lengths.max(initial=0)) if length is None else length
    flat = [t for r in rows for t in (r if length is None else r[:length])]
    kept = lengths if length is None else np.minimum(lengths, length)
    out = np.full((len(rows), width), "", dtype=np.array(flat, dtype=str).dtype if flat
                  else "<U1")
    out[np.arange(width) < kept[:, None]] = flat
    return out


class TextVectorization(HostLayer):
    """Maps strings to sequences of token indices, or to multi-hot, count or TF-IDF
    vectors, from a vocabulary (given, or adapt()ed); see the module's doc."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        # Keras raises these on every backend but TensorFlow; fastkeras has no sparse or
        # ragged tensors.
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend. "
                             "fastkeras has no sparse tensors: use sparse=False (dense "
                             "outputs).")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend. "
                             "fastkeras has no ragged tensors: use ragged=False (sequences "
                             "padded with 0).")
        _check_string_arg(standardize, _STANDARDIZE, "standardize")
        _check_string_arg(split, _SPLIT, "split")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"),
                      "TextVectorization", "output_mode")
        if not (ngrams is None or isinstance(ngrams, int) or
                isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or
                                         isinstance(output_sequence_length, int)):
            raise ValueError(f"`output_sequence_length` must be either None or an integer "
                             f"when `output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is "
                             f"not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        self._standardize, self._split = standardize, split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._ragged, self._encoding = ragged, encoding
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size)

    # ---- text -> tokens --------------------------------------------------------------------
    def _tokens(self, inputs, what):
        """Standardized, split and ngram'd tokens: (N, T) str padded with "" when split (or
        ngrams) ran, else the standardized strings as given."""
        strings = as_strings(inputs, what)
        if callable(self._standardize):
            strings = as_strings(self._standardize(strings),
                                 f"{what}: the `standardize` callable's result")
        else:
            strings = standardize_strings(strings, self._standardize)
        if self._split is None:
            if self._ngrams is None:
                return strings
            rows = strings.reshape(-1, strings.shape[-1]).tolist() if strings.ndim > 1 \
                else [strings.tolist()]
        else:
            if strings.ndim > 1:
                if strings.shape[-1] != 1:
                    raise ValueError(
                        f"When using `TextVectorization` to tokenize strings, the input rank "
                        f"must be 1 or the last shape dimension must be 1. Received: "
                        f"inputs.shape={strings.shape} with rank={strings.ndim}")
                strings = strings[..., 0]
            if strings.ndim != 1:
                raise ValueError(f"{what}: expected a batch of strings of shape (N,) or "
                                 f"(N, 1), received shape {strings.shape}")
            rows = self._split_rows(strings, what)
        if self._ngrams is not None:
            rows = [make_ngrams(r, self._ngrams) for r in rows]
        return pad_rows(rows)

    def _split_rows(self, strings, what):
        if not callable(self._split):
            return split_strings(strings, self._split)
        rows = self._split(strings)
        if len(rows) != len(strings):
            raise ValueError(f"{what}: the `split` callable returned {len(rows)} token "
                             f"sequences for {len(strings)} strings; it must return one per "
                             "string")
        return [as_strings(list(r), f"{what}: the `split` callable's result").tolist()
                for r in rows]

    # ---- calling ---------------------------------------------------------------------------
    def output_specs(self, input_shape):
        shape = tuple(input_shape)
        if self._output_mode == "int":
            if self._output_sequence_length is not None:
                length = self._output_sequence_length
            elif self._split is None and self._ngrams is None:
                return [(shape, "int64")]  # one id per string, as given
            else:
                length = None
            return [((shape[0] if shape else None, length), "int64")]
        if self._split is not None or self._ngrams is not None:
            tokens = (shape[0] if shape else None, None)
        else:  # one token per string (a rank-1 batch is one example, as in Keras)
            tokens = shape
        return self._lookup_layer.output_specs(tokens)

    def call(self, inputs):
        what = f"TextVectorization layer {self.name!r}"
        tokens = self._tokens(inputs, what)
        ids = self._lookup_layer.call(tokens)
        if self._output_mode != "int" or self._output_sequence_length is None:
            return ids
        length = self._output_sequence_length
        ids = ids[..., :length]
        if ids.shape[-1] < length:  # pad with the mask index
            pad = [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])]
            ids = np.pad(ids, pad)
        return ids

    # ---- vocabulary (Keras's methods, on the lookup table) ---------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """The vocabulary of `data` (an array or list of strings, or an iterable of
        batches): tokens by decreasing count, ties by decreasing token, at most max_tokens
        in all (the mask and OOV tokens included)."""
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray)) or not hasattr(data, "__iter__"):
            data = as_strings(data, "adapt() data")
            self.update_state(data.reshape(-1, 1) if data.ndim == 1 else data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._tokens(data, "adapt() data"))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order ("" and "[UNK]" first in "int" mode, "[UNK]" in the
        others) unless include_special_tokens is False."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The vocabulary's size, the mask and OOV indices included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (an array or list of tokens, or the path of a text file of one
        token a line) and, for "tf_idf", the IDF weights of the same length."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---- config ----------------------------------------------------------------------------
    def get_config(self):
        lookup = self._lookup_layer
        config = super().get_config()
        config.update(
            max_tokens=lookup.max_tokens, standardize=self._standardize, split=self._split,
            ngrams=self._ngrams_arg, output_mode=self._output_mode,
            output_sequence_length=self._output_sequence_length,
            pad_to_max_tokens=lookup.pad_to_max_tokens, sparse=False, ragged=self._ragged,
            vocabulary=_listify(lookup.input_vocabulary),
            idf_weights=_listify(lookup.input_idf_weights), encoding=self._encoding,
            vocabulary_size=self.vocabulary_size())
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        from ..saving.serialization_lib import deserialize_keras_object
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    # ---- saving: the lookup table's (Keras delegates the same way; the walk of a saved
    # model also reaches `_lookup_layer`, so both paths hold the vocabulary) --------------
    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

