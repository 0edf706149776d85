"""Logical ops on booleans and the tests of float values (keras.ops names)."""

from __future__ import annotations

__all__: list[str] = []
