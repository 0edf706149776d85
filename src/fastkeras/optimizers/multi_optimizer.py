"""MultiOptimizer and OptimizerMap, Keras 3.15's: each trainable variable is updated by the
optimizer its path maps to, all in one `apply`.

OptimizerMap maps variable paths to optimizers: an exact key first, else the one key that
`re.fullmatch`es the path (two matching keys are an error), else the default optimizer.
MultiOptimizer takes such a map or any callable variable -> optimizer; at build it sorts
the variables out among the inner optimizers (those of the map first, in the map's order,
then the default, then any new one the callable returns) and builds each on its own
variables. Its `variables` are its iteration and learning_rate, then each inner
optimizer's, in that order (the order its file stores them in). Its loss_scale_factor
replaces the inner optimizers' (the trainer scales the loss once; each inner optimizer
unscales its own gradients)."""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from ..graph import bind
from .loss_scale_optimizer import LossScaleOptimizer
from .optimizer import Optimizer


class OptimizerMap(MutableMapping):
    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}. Please make sure to not use "
                             "duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: "
                             f"{optimizer}")
        _check_inner(optimizer, "optimizer cannot be LossScaleOptimizer.",
                     "optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": serialize_keras_object(self._optimizer_map)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization_lib import deserialize_keras_object
        default = deserialize_keras_object(config["default_optimizer"],
                                           custom_objects=custom_objects)
        # Keras deserializes a plain dict value by value
        mapping = {key: deserialize_keras_object(value, custom_objects=custom_objects)
                   for key, value in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


def _check_inner(optimizer, loss_scale_message, multi_message):
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(loss_scale_message)
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(multi_message)


class MultiOptimizer(Optimizer):
    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        listed = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for inner in listed + ([default] if default is not None else []):
            self._adopt(inner)
        self._routes: list = []  # per built variable, the index of its inner optimizer

    def _adopt(self, optimizer):
        """Adds `optimizer` to the inner ones (once), with this one's loss_scale_factor."""
        if all(optimizer is not known for known in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)

    @property
    def optimizers(self):
        return self._inner_optimizers

    @property
    def variables(self):
        out = super().variables
        for inner in self._inner_optimizers:
            out = out + inner.variables
        return out

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for inner in getattr(self, "_inner_optimizers", ()):
            inner.loss_scale_factor = value

    # ---- build and apply ---------------------------------------------------------------
    def build(self, variables):
        variables = list(variables)
        groups: dict = {}
        self._routes = []
        for var in variables:
            inner = self._optimizer_map(var)
            if not isinstance(inner, Optimizer):
                raise ValueError(f"Optimizer for variable {var} is not an Optimizer instance.")
            _check_inner(inner, "LossScaleOptimizer cannot be used inside an MultiOptimizer.",
                         "MultiOptimizer cannot be used inside an MultiOptimizer.")
            self._adopt(inner)
            index = next(i for i, known in enumerate(self._inner_optimizers)
                         if known is inner)
            self._routes.append(index)
            groups.setdefault(index, []).append(var)
        for index, inner in enumerate(self._inner_optimizers):
            if index in groups:
                inner._check_built(groups[index])
        super().build(variables)

    def _route(self, variables):
        """{inner optimizer index: [positions in `variables`]} for built variables."""
        routed: dict = {}
        for position, built in enumerate(self._check_built(variables)):
            routed.setdefault(self._routes[built], []).append(position)
        return routed

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        variables = self._variables_for(grads, trainable_variables)
        routed = self._route(variables)
        if len(grads) != len(self._built_for):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(self._built_for)} variables.")
        for index, inner in enumerate(self._inner_optimizers):
            if index in routed:
                inner.apply([grads[p] for p in routed[index]],
                            [variables[p] for p in routed[index]])
        bind("increment", self._iterations)

    def finalize_variable_values(self, var_list):
        var_list = list(var_list)
        for index, positions in self._route(var_list).items():
            self._inner_optimizers[index].finalize_variable_values(
                [var_list[p] for p in positions])

    # ---- saving ------------------------------------------------------------------------
    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        config["optimizer_map"] = deserialize_keras_object(config["optimizer_map"],
                                                           custom_objects=custom_objects)
        return cls(**config)
