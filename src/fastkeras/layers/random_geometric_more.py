"""Random shear and perspective augmentation layers (keras.layers RandomShear,
RandomPerspective): the identity at inference, a random warp per image in training.

Both follow random_geometric.py: Keras's draws, in Keras's order, from the layer's own
SeedGenerator (anew at every call and compiled step), and Keras's transforms: RandomShear
resamples through the affine [1, sx, 0, sy, 1, 0, 0, 0]; RandomPerspective moves each
image's corners by up to scale / 2 of their coordinates and resamples through the
homography from the moved corners back to the old ones, solved in closed form
(ops.image_geometry.homographies) so that it traces with drawn corners."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.image_axes import spatial_axes
from ..ops.image_geometry import homographies, warp_projective
from ..ops.random import uniform
from .augmentation_base import _is_number
from .random_geometric import _GeometricLayer

__all__ = ["RandomShear", "RandomPerspective"]


class RandomShear(_GeometricLayer):
    """Each image sheared along x by a draw from `x_factor` and along y by a draw from
    `y_factor` (fractions of the image), both negated together with probability 1/2. As
    Keras, a number f gives the range (-f, f) (its docstring says (0, f))."""
    _USE_BASE_FACTOR = False
    _FACTOR_VALIDATION_ERROR = ("The `factor` argument should be a number (or a list of two "
                                "numbers) in the range [0, 1.0]. ")

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._shear_range(x_factor, "x_factor")
        self.y_factor = self._shear_range(y_factor, "y_factor")
        self._set_sampling(fill_mode, interpolation, fill_value)
        self._set_seed(seed)

    def _shear_range(self, factor, name):
        """A number in [0, 1] gives (-f, f); a pair its sorted range. Keras also holds a
        pair's entries to [0, 1], so that its own config's (-f, f) fails to load
        (keras-team/keras#21110); fastkeras takes pairs in [-1, 1] and reloads them."""
        def check(value, low):
            if not low <= value <= 1.0:
                raise ValueError(self._FACTOR_VALIDATION_ERROR +
                                 f"Received: input_number={value}")
        if isinstance(factor, (tuple, list)) and len(factor) == 2 and \
                all(_is_number(f) for f in factor):
            check(factor[0], -1.0)
            check(factor[1], -1.0)
            return tuple(sorted(factor))
        if _is_number(factor):
            check(factor, 0.0)
            return -abs(factor), abs(factor)
        raise ValueError(self._FACTOR_VALIDATION_ERROR + f"Received: {name}={factor}")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch = self._batch_size(self.images_of(data))
        seed = self.generator if seed is None else seed
        invert = ops.where(ops.greater(uniform((batch, 1), seed=seed), 0.5), -1.0, 1.0)
        shear_y = uniform((batch, 1), self.y_factor[0], self.y_factor[1], seed=seed)
        shear_x = uniform((batch, 1), self.x_factor[0], self.x_factor[1], seed=seed)
        return {"shear_factor": ops.multiply(ops.concatenate([shear_x, shear_y], axis=1),
                                             invert)}

    def _matrix(self, transformation):
        shear = ops.cast(transformation["shear_factor"], "float32")
        return self._columns(1, ops.take(shear, [0], axis=1), 0,
                             ops.take(shear, [1], axis=1), 1, 0)

    def get_config(self):
        config = super().get_config()
        config.update(x_factor=self.x_factor, y_factor=self.y_factor)
        return config


class RandomPerspective(_GeometricLayer):
    """With a probability drawn from `factor` (a number p: uniform in [0, p]) per image,
    its four corners moved by uniform(-scale / 2, scale / 2) times their own coordinates
    and the image warped to match (constant `fill_value` outside)."""
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not _is_number(scale) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale}")
        self.scale = scale
        self._set_sampling("constant", interpolation, fill_value)
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        batch = self._batch_size(images)
        height_axis, width_axis = spatial_axes(len(ops.shape(images)), self.data_format)
        height, width = ops.shape(images)[height_axis], ops.shape(images)[width_axis]
        seed = self.generator if seed is None else seed
        probability = uniform((batch,), self.factor[0], self.factor[1], seed=seed)
        apply = ops.less(uniform((batch,), seed=seed), probability)
        shift = uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, seed=seed)
        corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]],
                           np.float32)
        start = np.repeat(corners[None], batch, axis=0)
        end = ops.add(start, ops.multiply(start, shift))
        return {"apply_perspective": apply, "start_points": start,
                "end_points": ops.where(ops.reshape(apply, (-1, 1, 1)), end, start)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        transform = homographies(ops.cast(transformation["start_points"], "float32"),
                                 ops.cast(transformation["end_points"], "float32"))
        warped = warp_projective(images, transform, self.interpolation, self.fill_value,
                                 self.data_format)
        apply = ops.reshape(transformation["apply_perspective"], (-1, 1, 1, 1))
        return ops.where(apply, warped, images)

    def get_config(self):
        config = super().get_config()
        config.pop("fill_mode")  # Keras's RandomPerspective has only constant fill
        config.update(factor=self.factor, scale=self.scale)
        return config
