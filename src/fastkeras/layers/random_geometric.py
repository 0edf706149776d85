"""Random geometric image augmentation layers (keras.layers RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomCrop, ...): the identity at inference, a random transform per image in training."""

from __future__ import annotations

__all__: list[str] = []
