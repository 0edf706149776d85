"""Colour and filtering image ops (keras.ops.image rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb, gaussian_blur, ...)."""

from __future__ import annotations

__all__: list[str] = []
