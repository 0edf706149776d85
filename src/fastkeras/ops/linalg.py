"""Linear algebra (keras.ops.linalg and the top-level names): inv, solve, det, cholesky, qr, svd, eigh, lstsq, ..., as composites for small matrices."""

from __future__ import annotations

__all__: list[str] = []
