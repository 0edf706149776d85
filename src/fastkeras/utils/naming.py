"""Keras-style automatic names: 'dense', 'dense_1', ... per prefix, process-wide."""

import collections
import re

_counts = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    n = _counts[prefix]
    _counts[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def reset_names():
    _counts.clear()


def get_uid(prefix: str) -> int:
    """Keras's `backend.get_uid`: 1, 2, ... per prefix, on the counters unique_name uses."""
    _counts[prefix] += 1
    return _counts[prefix]
