"""Array creation and shape manipulation (keras.ops numpy names): stacking, splitting, tiling, flipping, triangles, ranges."""

from __future__ import annotations

__all__: list[str] = []
