"""The Optimizer's Keras 3 file hooks: its variables as a `.keras`/`.weights.h5` store
(save_own_variables / load_own_variables) and its config (get_config / from_config)."""

from __future__ import annotations

import warnings

from .schedules import LearningRateSchedule


class OptimizerFiles:
    """Mixed into Optimizer: reads its `variables`, `name`, `built`, options and
    `_schedule`."""

    def save_own_variables(self, store):
        """iterations, learning_rate, then the slots in Keras's order, as "0", "1", ..."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Restores save_own_variables' values; a file for another number of variables
        (an optimizer not built yet) is skipped with Keras's warning."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because "
                          f"it has {len(variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables. " + (
                              "This is likely because the optimizer has not been called/built "
                              "yet." if not self.built else ""), stacklevel=2)
            return
        from ..saving.state_values import checked_values
        for variable, value in zip(variables, checked_values(
                variables, store, f"Optimizer '{self.name}'")):
            variable.assign(value)

    def get_config(self):
        return {"name": self.name, "learning_rate": self._learning_rate_config(),
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    def _learning_rate_config(self):
        """Keras's: the float rate, or the serialized schedule or callable."""
        if self._schedule is None:
            return self.learning_rate
        from . import schedules
        if isinstance(self._schedule, LearningRateSchedule):
            return schedules.serialize(self._schedule)
        from ..saving.serialization_lib import serialize_keras_object
        return serialize_keras_object(self._schedule)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config.get("learning_rate"), dict):
            from . import schedules
            config = dict(config, learning_rate=schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects))
        return cls(**config)
