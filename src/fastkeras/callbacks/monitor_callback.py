"""MonitorCallback: the base of callbacks that watch one logged metric (EarlyStopping,
ReduceLROnPlateau), with Keras's rule for which way it improves."""

from __future__ import annotations

import operator
import warnings

from .callback import Callback

# Which way fastkeras's built-in metrics improve, for those that do not carry Keras's
# `_direction` attribute themselves ("up": higher is better).
_DIRECTIONS = {"Accuracy": "up", "BinaryAccuracy": "up", "CategoricalAccuracy": "up",
               "SparseCategoricalAccuracy": "up", "MeanSquaredError": "down",
               "MeanAbsoluteError": "down"}


def _direction(metric):
    return getattr(metric, "_direction", None) or _DIRECTIONS.get(type(metric).__name__)


class MonitorCallback(Callback):
    """Watches `monitor` in the epoch logs. mode 'min' or 'max' say which way is better;
    'auto' decides from the name: a loss is minimised, a compiled metric goes its own way
    (accuracy up, errors down), anything else is an error asking for a mode."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{self.__class__.__name__} mode '{mode}' is unknown, fallback to "
                          "auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in self._compiled_metrics():
                if metric.name == name and _direction(metric):
                    self.monitor_op = operator.gt if _direction(metric) == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{self.__class__.__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric should "
                    "be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    "on the highest metric value, or pass `mode='min'` in order to use the "
                    "lowest value.")
        if self.monitor_op is operator.lt:
            self.min_delta *= -1  # improving means going below the reference by min_delta

    def _compiled_metrics(self):
        """The metrics given to compile() (not the loss trackers), as Keras searches."""
        return list(getattr(self.model, "_compiled_metrics", None) or [])

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
