"""Indexing: get_item (x[...]) and slicing (keras.ops names)."""

from __future__ import annotations

__all__: list[str] = []
