"""adapt() of the lookup layers (IndexLookup, layers/index_lookup.py): token counts (and,
for TF-IDF, document counts) over the data, then the vocabulary in Keras's order: by
decreasing count, ties by decreasing token, the mask and OOV tokens left out, at most
max_tokens in all; the IDF weights log(1 + documents / (1 + documents with the token))."""

from __future__ import annotations

import collections

import numpy as np


class VocabularyAdapt:
    """A mixin of IndexLookup: the adapt state and its methods (Keras's names)."""

    def _init_adapt_state(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps=None):
        """The vocabulary of `data` (an array or list, or an iterable of batches): tokens by
        decreasing count, ties by decreasing token, at most max_tokens in all."""
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray)) or not hasattr(data, "__iter__"):
            data = self._keys(data, "adapt() data")
            self.update_state(data.reshape(-1, 1) if data.ndim == 1 else data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        data = self._keys(data, "adapt() data")
        data = data.reshape(1, -1) if data.ndim < 2 else data  # a 1-D batch is one document
        tokens, inverse = np.unique(data.reshape(-1), return_inverse=True)
        self._token_counts.update(dict(zip(tokens.tolist(), np.bincount(inverse).tolist())))
        if self.output_mode == "tf_idf":  # each row's distinct tokens, all rows at once
            rows = np.repeat(np.arange(len(data)), data.size // max(len(data), 1))
            pairs = np.unique(rows * len(tokens) + inverse.reshape(-1))
            documents = np.bincount(pairs % max(len(tokens), 1), minlength=len(tokens))
            self._document_counts.update(dict(zip(tokens.tolist(), documents.tolist())))
            self._num_documents += len(data)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._token_counts:
            self._record_vocabulary_size()
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        tokens = self._keys(list(counts), "vocabulary")
        order = np.lexsort((tokens, np.array([counts[t] for t in tokens.tolist()],
                                             np.int64)))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        tokens = tokens[order]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            df = np.array([self._document_counts[t] for t in tokens.tolist()], np.float64)
            idf = np.log(1 + self._num_documents / (1 + df)).astype("float32")
            back = self.max_tokens - self._token_start_index() - len(idf) \
                if self.pad_to_max_tokens else 0
            self.idf_weights = np.concatenate([
                np.full(self._token_start_index(), np.mean(idf), "float32"), idf,
                np.zeros(back, "float32")])
        self.reset_state()
        self._record_vocabulary_size()

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._token_counts.clear()
        self._document_counts.clear()
        self._num_documents = 0
