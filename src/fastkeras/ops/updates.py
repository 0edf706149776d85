"""Writing into tensors (keras.ops select, slice_update, scatter, scatter_update, ...)."""

from __future__ import annotations

__all__: list[str] = []
