"""IMDB movie reviews: 25,000 + 25,000 reviews as lists of word ids, labels 0/1."""

import numpy as np

from ..utils.file_utils import get_file
from . import _sequences
from ._files import ORIGIN_FOLDER, load_npz

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)): object arrays of id lists, shuffled with
    `seed`, re-indexed and filtered as Keras does (see _sequences.py)."""
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}imdb.npz", file_hash=FILE_HASH)
    f = load_npz(path)
    rng = np.random.RandomState(seed)
    parts = []
    for x, y in ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])):
        order = np.arange(len(x))
        rng.shuffle(order)  # one generator for both, train first: Keras's order
        parts.append((_sequences.index(x[order], start_char, index_from), y[order]))
    if maxlen:
        parts = [_sequences.drop_long(maxlen, x, y) for x, y in parts]
        if not parts[0][0] or not parts[1][0]:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                             "no sequence was kept. Increase maxlen.")
    (x_train, y_train), (x_test, y_test) = parts
    xs = _sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    cut = len(x_train)
    return ((np.array(xs[:cut], dtype="object"), labels[:cut]),
            (np.array(xs[cut:], dtype="object"), labels[cut:]))


def get_word_index(path="imdb_word_index.json"):
    """{word: id} (ids before the `index_from` shift)."""
    return _sequences.read_word_index(get_file(
        fname=path, origin=f"{ORIGIN_FOLDER}imdb_word_index.json",
        file_hash=WORD_INDEX_HASH))
