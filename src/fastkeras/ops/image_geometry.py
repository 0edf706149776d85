"""Geometric image ops (keras.ops.image affine_transform, crop_images, pad_images, extract_patches, ...)."""

from __future__ import annotations

__all__: list[str] = []
