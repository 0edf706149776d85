"""Elementwise math with its own primitives: trigonometric, hyperbolic, rounding, power, where (keras.ops names)."""

from __future__ import annotations

__all__: list[str] = []
