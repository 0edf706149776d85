"""The word-index sequences of IMDB and Reuters: Keras's re-indexing and filtering."""

import json


def index(xs, start_char, index_from):
    """Each sequence as a list, ids shifted by `index_from`, `start_char` prepended."""
    head = [] if start_char is None else [start_char]
    return [head + [w + index_from for w in x] for x in xs]


def drop_long(maxlen, xs, labels):
    """Only the sequences shorter than `maxlen`, with their labels."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    """Ids outside [skip_top, num_words) become `oov_char`, or are dropped if it is None;
    num_words defaults to the largest id (which is then, as in Keras, itself out of range)."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is None:
        return [[w for w in x if skip_top <= w < num_words] for x in xs]
    return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]


def read_word_index(path):
    with open(path) as f:
        return json.load(f)
