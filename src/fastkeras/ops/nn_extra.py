"""Neural-network ops (keras.ops dot_product_attention, rms_normalization, depth_to_space, space_to_depth, psnr, ...)."""

from __future__ import annotations

__all__: list[str] = []
