"""Special functions and elementwise comparisons built on where (keras.ops erfc, erfinv, sinc, heaviside, signbit, fmax, fmin, ...)."""

from __future__ import annotations

__all__: list[str] = []
