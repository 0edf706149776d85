"""Control flow (keras.ops cond, switch, fori_loop, while_loop, map, vectorized_map, associative_scan)."""

from __future__ import annotations

__all__: list[str] = []
