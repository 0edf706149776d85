"""Differences, windows and sums along an axis (keras.ops diff, trapezoid, correlate, bartlett, hamming, ...)."""

from __future__ import annotations

__all__: list[str] = []
