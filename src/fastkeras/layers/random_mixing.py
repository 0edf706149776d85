"""Image-mixing augmentation layers (keras.layers MixUp, CutMix): each image mixed with
another of the batch (a random permutation), and, given a dict {"images", "labels"}, the
labels mixed by the same weights.

As Keras, a dict input is how labels take part (a tf.data / dataset map, or calling the
layer by hand); inside a model the layer sees only the images, so there it mixes images
and the model's targets stay as they are. Keras's draws, in its order: MixUp a
permutation and a Beta(alpha, alpha) weight per image (drawn even at inference, unused);
CutMix a Beta(a, a) weight per image, a drawn once from `factor`, giving a box of side
sqrt(1 - weight) times the image's at a uniform position, pasted from the permuted image,
the labels weighted by the box's true share of the image."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.image_axes import spatial_axes
from ..ops.random import uniform
from ..ops.random_more import beta, shuffle
from .augmentation_base import BaseImagePreprocessingLayer
from .random_filters import box_masks, crop_bounds

__all__ = ["MixUp", "CutMix"]


class _MixingLayer(BaseImagePreprocessingLayer):
    _USE_BASE_FACTOR = False

    def _permutation(self, batch, seed):
        return shuffle(np.arange(batch, dtype=np.int32), seed=seed)

    def _mix_labels(self, labels, transformation):
        weight = ops.reshape(ops.cast(transformation["mix_weight"], "float32"), (-1, 1))
        labels = ops.convert_to_tensor(labels)
        other = ops.take(labels, transformation["permutation_order"], axis=0)
        return ops.add(ops.multiply(weight, labels),
                       ops.multiply(ops.subtract(1.0, weight), other))

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(f"{type(self).__name__} does not transform bounding boxes "
                                  f"in fastkeras")


class MixUp(_MixingLayer):
    """w x + (1 - w) x[perm] per image (and the same for labels), w ~ Beta(alpha, alpha)."""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        batch = self._batch_size(self.images_of(data))
        seed = self.generator if seed is None else seed
        permutation = self._permutation(batch, seed)
        weight = beta((batch,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": weight, "permutation_order": permutation}

    def _mix(self, x, transformation):
        x = ops.cast(x, self.dtype)
        weight = ops.reshape(ops.cast(transformation["mix_weight"], self.dtype), (-1, 1, 1, 1))
        other = ops.take(x, transformation["permutation_order"], axis=0)
        return ops.add(ops.multiply(weight, x), ops.multiply(ops.subtract(1.0, weight), other))

    def transform_images(self, images, transformation=None, training=True):
        return self._mix(images, transformation) if training else images

    def transform_labels(self, labels, transformation, training=True):
        return self._mix_labels(labels, transformation) if training else labels

    def transform_segmentation_masks(self, segmentation_masks, transformation,
                                     training=True):
        # Keras gathers the masks without an axis (a flattened take); fastkeras mixes the
        # permuted masks as it mixes the images.
        return self._mix(segmentation_masks, transformation) if training else \
            segmentation_masks

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha, seed=self.seed)
        return config


class CutMix(_MixingLayer):
    """A box of each image replaced by the same box of a permuted image; labels mixed by
    the share of the image kept. A single image (rank 3) passes unchanged, as Keras."""
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self.images_of(data)
        shape = tuple(ops.shape(images))
        if not training or len(shape) == 3:
            return None
        self._batch_size(images)
        batch = shape[0]
        height_axis, width_axis = spatial_axes(4, self.data_format)
        height, width = shape[height_axis], shape[width_axis]
        seed = self.generator if seed is None else seed
        alpha = ops.add(uniform((), self.factor[0], self.factor[1], seed=seed), 1e-6)
        ratio = ops.sqrt(ops.subtract(1.0, beta((batch,), alpha, alpha, seed=seed)))
        x0, x1 = crop_bounds(batch, width, ratio, seed)
        y0, y1 = crop_bounds(batch, height, ratio, seed)
        masks = box_masks(shape, (x0, x1, y0, y1), self.data_format)
        area = ops.multiply(ops.subtract(x1, x0), ops.subtract(y1, y0))
        weight = ops.subtract(1.0, ops.divide(area, float(width * height)))
        return {"permutation_order": self._permutation(batch, seed), "batch_masks": masks,
                "mix_weight": ops.reshape(weight, (-1, 1, 1, 1))}

    def _paste(self, x, transformation):
        other = ops.take(x, transformation["permutation_order"], axis=0)
        return ops.where(transformation["batch_masks"], other, x)

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        return self._paste(images, transformation)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        return self._mix_labels(labels, transformation)

    def transform_segmentation_masks(self, segmentation_masks, transformation,
                                     training=True):
        # Pasted, not blended: the masks keep their (class index) dtype, as Keras.
        if not training or transformation is None:
            return segmentation_masks
        masks = ops.convert_to_tensor(segmentation_masks)
        # ops.where gives float32 for integer operands (unlike Keras): cast back.
        return ops.cast(self._paste(masks, transformation), masks.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, seed=self.seed)
        return config
