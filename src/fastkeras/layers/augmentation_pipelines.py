"""Compositions of augmentation layers (keras.layers Pipeline, RandAugment, AugMix).

Pipeline calls its layers in turn (passing `training` on). RandAugment and AugMix hold
Keras's sublayers (shear, translation, rotation, colour, sharpness, posterization,
solarization, auto contrast, equalization), all built from one `factor`, and draw each
sublayer's transformation with the sublayer's own get_random_transformation:
RandAugment applies `num_ops` of them, picked per call by a drawn index (every candidate
is computed and the picked one kept, so the pick varies in every compiled step); AugMix
mixes `num_chains` chains of up to `chain_depth` sublayers with Dirichlet weights, then
blends the mix with the image by a Beta draw. As Keras, AugMix picks each chain's layers
with Python's random module when the transformation is drawn (in Keras-JAX's compiled
steps: once, when the step is traced); fastkeras uses keras.utils.set_random_seed's
NumPy generator for it, so it repeats under a fixed seed."""

from __future__ import annotations

from .. import ops
from ..ops.random_more import gamma, randint
from ..ops.random_more import beta as beta_draw
from ..utils.random import generator as python_side_generator
from .augmentation_base import BaseImagePreprocessingLayer
from .layer import Layer, _accepts_training
from .random_color import (AutoContrast, RandomBrightness, RandomColorDegeneration,
                           RandomContrast, RandomPosterization, Solarization)
from .random_filters import Equalization, RandomSharpness
from .random_geometric import RandomRotation, RandomTranslation
from .random_geometric_more import RandomShear

__all__ = ["Pipeline", "RandAugment", "AugMix"]


class Pipeline(Layer):
    """Its `layers` called in turn on the images (or the dict {"images", "labels", ...})."""

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):  # as BaseImagePreprocessingLayer: dicts called directly
            return self.call(inputs, training=kwargs.get("training", True))
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, training=True, mask=None):
        for layer in self._pipeline_layers:
            kwargs = {}
            if training is not None and _accepts_training(type(layer)):
                kwargs["training"] = training
            inputs = layer(inputs, **kwargs)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        return {"layers": [serialize_keras_object(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        from ..saving.serialization_lib import deserialize_keras_object
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"`Pipeline` config must contain a `layers` key mapping to a "
                             f"list of serialized layers. Received config with "
                             f"layers={layers}.")
        return cls(**{**config, "layers": [deserialize_keras_object(x) for x in layers]})


class _Composition(BaseImagePreprocessingLayer):
    """Keras's sublayers of RandAugment and AugMix, attributes named as Keras names them."""
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def _make_sublayers(self, names, interpolation, data_format):
        factor, value_range, seed = self.factor, self.value_range, self.seed
        colour = dict(value_range=value_range, seed=seed, data_format=data_format)
        makers = {
            "random_shear": lambda: RandomShear(
                x_factor=factor, y_factor=factor, interpolation=interpolation, seed=seed,
                data_format=data_format),
            "random_translation": lambda: RandomTranslation(
                height_factor=factor, width_factor=factor, interpolation=interpolation,
                seed=seed, data_format=data_format),
            "random_rotation": lambda: RandomRotation(
                factor=factor, interpolation=interpolation, seed=seed, data_format=data_format),
            "random_brightness": lambda: RandomBrightness(factor=factor, **colour),
            "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor,
                                                                         **colour),
            "random_contrast": lambda: RandomContrast(factor=factor, **colour),
            "random_sharpness": lambda: RandomSharpness(factor=factor, **colour),
            "random_posterization": lambda: RandomPosterization(
                factor=max(1, int(8 * factor[1])), **colour),
            "solarization": lambda: Solarization(
                addition_factor=factor, threshold_factor=factor, value_range=value_range,
                seed=seed, data_format=data_format),
            "auto_contrast": lambda: AutoContrast(value_range=value_range,
                                                  data_format=data_format),
            "equalization": lambda: Equalization(value_range=value_range,
                                                 data_format=data_format),
        }
        for name in names:
            setattr(self, name, makers[name]())

    def _sub_transformation(self, name, data):
        return getattr(self, name).get_random_transformation(data, training=True)


class RandAugment(_Composition):
    """`num_ops` augmentations, each picked per call from Keras's eleven with equal chance
    (the same pick for the whole batch), all of strength `factor`."""
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation",
                       "random_brightness", "random_color_degeneration", "random_contrast",
                       "random_sharpness", "random_posterization", "solarization",
                       "auto_contrast", "equalization"]

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self._set_seed(seed)
        self._make_sublayers(self._AUGMENT_LAYERS, interpolation, data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        indexes = randint((self.num_ops,), 0, len(self._AUGMENT_LAYERS),
                          seed=self.generator if seed is None else seed)
        return {"transforms": {name: self._sub_transformation(name, data)
                               for name in self._AUGMENT_LAYERS},
                "layer_idxes": indexes}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        indexes = transformation["layer_idxes"]
        for i in range(self.num_ops):
            picked = ops.take(indexes, i)
            for index, (name, value) in enumerate(transformation["transforms"].items()):
                changed = ops.cast(getattr(self, name).transform_images(images, value),
                                   self.dtype)
                images = ops.where(ops.equal(picked, index), changed, images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, num_ops=self.num_ops, factor=self.factor,
                      interpolation=self.interpolation, seed=self.seed)
        return config


class AugMix(_Composition):
    """images * w + (1 - w) * sum_k m_k chain_k(images), clipped to value_range: w ~
    Beta(alpha, alpha), m ~ Dirichlet(alpha) over `num_chains` chains, each chain up to
    `chain_depth` sublayers (each step a sublayer or nothing, with equal chance)."""
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation",
                       "random_posterization", "solarization", "auto_contrast", "equalization"]
    _AUGMENT_LAYERS_ALL = _AUGMENT_LAYERS + ["random_brightness", "random_color_degeneration",
                                             "random_contrast", "random_sharpness"]

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains, self.chain_depth = num_chains, chain_depth
        self._set_factor(factor)
        self.alpha, self.all_ops, self.interpolation = alpha, all_ops, interpolation
        self._set_seed(seed)
        self._augment_layers = list(self._AUGMENT_LAYERS_ALL if all_ops
                                    else self._AUGMENT_LAYERS)
        self._make_sublayers(self._augment_layers, interpolation, data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        draws = gamma((self.num_chains,), self.alpha, seed=seed)
        chain_weights = ops.divide(draws, ops.sum(draws, axis=-1, keepdims=True))
        weight = beta_draw((), self.alpha, self.alpha, seed=seed)
        choices = self._augment_layers + [None]
        picks = python_side_generator().integers(0, len(choices),
                                                 (self.num_chains, self.chain_depth))
        chains = [[{"layer_name": choices[p],
                    "transformation": self._sub_transformation(choices[p], data)}
                   for p in row if choices[p] is not None] for row in picks]
        return {"chain_mixing_weights": chain_weights, "weight_sample": weight,
                "chain_transforms": chains}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        weights = ops.cast(transformation["chain_mixing_weights"], self.dtype)
        weight = ops.cast(transformation["weight_sample"], self.dtype)
        mixed = ops.zeros_like(images)
        for k, chain in enumerate(transformation["chain_transforms"]):
            chained = images
            for step in chain:
                chained = ops.cast(getattr(self, step["layer_name"]).transform_images(
                    chained, step["transformation"]), self.dtype)
            mixed = ops.add(mixed, ops.multiply(chained, ops.take(weights, k)))
        images = ops.add(ops.multiply(weight, images),
                         ops.multiply(ops.subtract(1.0, weight), mixed))
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, num_chains=self.num_chains,
                      chain_depth=self.chain_depth, factor=self.factor, alpha=self.alpha,
                      all_ops=self.all_ops, interpolation=self.interpolation, seed=self.seed)
        return config
