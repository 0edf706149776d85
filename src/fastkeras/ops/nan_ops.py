"""NaN-aware reductions and NaN handling (keras.ops nan_to_num, nansum, nanmean, ... and divide_no_nan)."""

from __future__ import annotations

__all__: list[str] = []
