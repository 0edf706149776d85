"""Random colour image augmentation layers (keras.layers RandomContrast, RandomBrightness, RandomGrayscale, ...): the identity at inference, a random change per image in training."""

from __future__ import annotations

__all__: list[str] = []
