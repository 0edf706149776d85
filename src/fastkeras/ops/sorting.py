"""Sorting along an axis (keras.ops sort, argsort, top_k, take_along_axis and the order statistics built on them)."""

from __future__ import annotations

__all__: list[str] = []
