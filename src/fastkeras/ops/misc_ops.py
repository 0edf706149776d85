"""The remaining small keras.ops names: rearrange, dtype, unravel_index, bit shifts, vectorize, jvp, nonzero, ..."""

from __future__ import annotations

__all__: list[str] = []
