"""Math and reductions built from existing primitives (keras.ops numpy and math names)."""

from __future__ import annotations

__all__: list[str] = []
