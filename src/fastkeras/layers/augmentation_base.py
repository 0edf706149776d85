"""The base of the image augmentation layers (Keras's BaseImagePreprocessingLayer):
`factor` parsing, the layer's seed and SeedGenerator, the training switch, rank-3 images,
dict inputs ({"images", "labels", "bounding_boxes", "segmentation_masks"}) and the
`data_format` entry of the config.

A subclass draws its random parameters in get_random_transformation(data, training, seed)
and applies them in transform_images(images, transformation, training) on a batch (rank 4);
both are Keras's public method names, so a test can apply a chosen transformation. As in
Keras, call() defaults to training=True (a layer called by hand augments); a model's
predict/evaluate pass training=False, and then transform_images is told so and gives the
images back (cast to the layer's float32)."""

from __future__ import annotations

from .. import ops
from ..ops.conv import standardize_data_format
from ..ops.random import SeedGenerator
from .layer import Layer


class BaseImagePreprocessingLayer(Layer):
    _USE_BASE_FACTOR = True  # False: the subclass parses `factor` itself (or takes none)
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"Layer {type(self).__name__} does not take a `factor` argument. "
                             f"Received: factor={factor}")
        self.built = True

    def _set_factor(self, factor):
        """Keras's convention: a number f gives the range (max(-|f|, low), |f|), a pair
        (a, b) the sorted range; both within _FACTOR_BOUNDS (a pair only has to overlap)."""
        low, high = self._FACTOR_BOUNDS
        message = (f"The `factor` argument should be a number (or a list of two numbers) in "
                   f"the range [{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(_is_number(f) for f in factor) or \
                    factor[0] > high or factor[1] < low:
                raise ValueError(message)
            self.factor = tuple(sorted(factor))
        elif _is_number(factor):
            if not low <= factor <= high:
                raise ValueError(message)
            self.factor = (max(-abs(factor), low), abs(factor))
        else:
            raise ValueError(message)

    def _set_seed(self, seed):
        """The layer's `seed` (in its config) and the SeedGenerator its draws come from
        (tracked by Layer, so its state is saved and moves on in every compiled step)."""
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _set_value_range(self, value_range):
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(f"The `value_range` argument should be a list of two numbers. "
                             f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def _set_factor_range_seed(self, factor, value_range, seed, check_range=True):
        """The three settings most colour and filter layers take, in Keras's order; as in
        Keras, some of those layers keep value_range as given (check_range=False)."""
        self._set_factor(factor)
        if check_range:
            self._set_value_range(value_range)
        else:
            self.value_range = value_range
        self._set_seed(seed)

    # ---- what subclasses provide ---------------------------------------------------------
    def get_random_transformation(self, data, training=True, seed=None):
        return None

    def transform_images(self, images, transformation, training=True):
        raise NotImplementedError(f"{type(self).__name__}.transform_images")

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    # ---- the call ------------------------------------------------------------------------
    def _batch_size(self, images):
        """1 for a single image (rank 3), the batch size for rank 4; Keras's ValueError
        otherwise."""
        shape = ops.shape(images)
        if len(shape) not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received "
                             f"inputs.shape={tuple(shape)}")
        return 1 if len(shape) == 3 else shape[0]

    def _transform_batch(self, method, x, transformation, training):
        """method applied to x as a batch: a rank-3 x gets a batch axis of one and loses it."""
        single = len(ops.shape(x)) == 3
        x = ops.expand_dims(x, 0) if single else x
        out = method(x, transformation=transformation, training=training)
        return ops.squeeze(out, 0) if single else out

    def __call__(self, inputs, *args, **kwargs):
        # Layer.__call__ maps lists and tuples, not dicts: a dict of arrays is called here
        # directly (eagerly; `training` as given, else True as Keras's call() default).
        if isinstance(inputs, dict):
            training = kwargs.get("training")
            return self.call(inputs, training=True if training is None else training)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, data, training=True):
        training = bool(training)
        if not isinstance(data, dict):
            images = ops.convert_to_tensor(data)
            self._batch_size(images)
            transformation = self.get_random_transformation(images, training=training)
            return self._transform_batch(self.transform_images, images, transformation,
                                         training)
        data = dict(data)
        data["images"] = ops.convert_to_tensor(data["images"])
        self._batch_size(data["images"])
        transformation = self.get_random_transformation(data, training=training)
        if "bounding_boxes" in data and not self.bounding_box_format:
            raise ValueError(f"You passed an input with a 'bounding_boxes' key, but you didn't "
                             f"specify a bounding box format. Pass a `bounding_box_format` "
                             f"argument to your {type(self).__name__} layer, e.g. "
                             f"`bounding_box_format='xyxy'`.")
        for key, method in (("images", self.transform_images),
                            ("segmentation_masks", self.transform_segmentation_masks)):
            if key in data:
                data[key] = self._transform_batch(method, data[key], transformation, training)
        if "labels" in data:
            data["labels"] = self.transform_labels(data["labels"], transformation, training)
        if "bounding_boxes" in data:
            data["bounding_boxes"] = self.transform_bounding_boxes(
                data["bounding_boxes"], transformation, training)
        return data

    def compute_output_shape(self, input_shape):
        return input_shape

    # ---- helpers ---------------------------------------------------------------------------
    @staticmethod
    def images_of(data):
        return data["images"] if isinstance(data, dict) else data

    @staticmethod
    def _transform_value_range(images, original_range, target_range, dtype="float32"):
        """images mapped linearly from `original_range` to `target_range` (in float32)."""
        if tuple(original_range) == tuple(target_range):
            return images
        images = ops.cast(images, dtype)
        (low, high), (new_low, new_high) = original_range, target_range
        unit = ops.divide(ops.subtract(images, float(low)), float(high) - float(low))
        return ops.add(ops.multiply(unit, float(new_high) - float(new_low)), float(new_low))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
