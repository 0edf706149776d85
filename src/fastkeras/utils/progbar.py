"""Keras 3's progress bar (keras.utils.Progbar) and its console output.

In a terminal (or a notebook) the bar is redrawn in place, byte for byte as Keras draws
it: bold step counter, green and grey bar, ETA while running, elapsed time and time per
step at the end, the metrics with Keras's number formatting. Anywhere else (a log file, a
CI log) only the finished bar is written, as one plain line: Keras would write every
redraw there too (it takes any POSIX stdout for a terminal), and its colour codes."""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def print_msg(message, line_break=True):
    """Writes to the current sys.stdout (Keras's io_utils.print_msg): the bar's '━' becomes
    '=' where the stream's encoding cannot write it."""
    message = f"{message}\n" if line_break else str(message)
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(message.replace("━", "=").encode(encoding, errors="ignore")
                         .decode(encoding))
    sys.stdout.flush()


def dynamic_display() -> bool:
    """True where a line can be redrawn in place: a terminal, a notebook, PyCharm's console."""
    return ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ)


def _clock(seconds):
    """An ETA as Keras writes it: h:mm:ss, m:ss or Ns (truncated, not rounded)."""
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def _per_unit(seconds, unit_name):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1000.0:.0f}ms/{unit_name}"
    return f" {seconds * 1000000.0:.0f}us/{unit_name}"


def _number(value, by_magnitude=True):
    """Keras's metric format: 4 decimals, or 4 significant digits for small values. The
    one-line (verbose=2) form compares the value itself, not its magnitude, so a negative
    value is written in exponent form there (Keras's quirk, kept)."""
    big = abs(value) > 1e-3 if by_magnitude else value > 1e-3
    return f" {value:.4f}" if big else f" {value:.4e}"


class Progbar:
    """Displays a progress bar (keras.utils.Progbar).

    Metrics are averaged over the steps since the last update unless they are stateful:
    give `stateful_metrics` (those shown as they come, the rest averaged) or
    `stateless_metrics` (those averaged, the rest shown as they come), not both."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics stateful "
                "by default (with an exclusion list).")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics is not None else \
            (None if stateless_metrics is not None else set())
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None \
            else None
        self._dynamic_display = dynamic_display()
        self._seen_so_far = 0
        self._values = {}  # name -> [sum of value * steps, steps]
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Shows step `current` of `target`; `values` is a list of (name, value) pairs."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total = self._values.setdefault(name, [0, 0])
                total[0] += value * steps
                total[1] += steps
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and now - self._last_update < self.interval:
                return
            self._draw(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            line = (f"{current:>{self._digits()}}/{self.target} - {now - self._start:.0f}s -"
                    f"{_per_unit(per_unit, self.unit_name)}"
                    f"{self._metrics_text(by_magnitude=False)}\n")
            print_msg(line, line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _digits(self):
        return int(math.log10(self.target)) + 1

    def _metrics_text(self, by_magnitude=True):
        out = ""
        for name in self._values_order:
            total, steps = self._values[name]
            if not isinstance(total, float):  # a NumPy scalar, or an array of values
                total = np.mean(total)
            out += f" - {name}:" + _number(total / max(1, steps), by_magnitude)
        return out

    def _draw(self, current, now, per_unit, finalize):
        """One verbose=1 redraw: segments of (text, colour or None) joined with Keras's
        escape codes in a terminal, as plain text elsewhere (finished bars only)."""
        if not self._dynamic_display and not finalize:
            return
        known = self.target is not None and self.target > 0
        if known:
            done = int(self.width * float(current) / self.target)
            segments = [(f"{current:>{self._digits()}}/{self.target}", _BOLD), (" ", None)]
            if done > 0:
                segments.append(("━" * done, _GREEN))
            segments.append(("━" * (self.width - done), _GREY))
        else:
            segments = [("%7d/Unknown" % current, None)]
        timing = _clock(per_unit * (self.target - current)) if known and not finalize \
            else f"{now - self._start:.0f}s"
        segments += [(" ", None), (timing, _BOLD),
                     (_per_unit(per_unit, self.unit_name) + self._metrics_text(), None)]
        plain = "".join(text for text, _ in segments)
        if not self._dynamic_display:
            print_msg(plain)
            return
        line = "".join(f"{code}{text}{_RESET}" if code else text for text, code in segments)
        width = len(plain)
        pad = " " * (self._prev_total_width - width) if self._prev_total_width > width else ""
        print_msg("\b" * self._prev_total_width + "\r" + line + pad + ("\n" if finalize else ""),
                  line_break=False)
        self._prev_total_width = width

    def _estimate_step_duration(self, current, now):
        """Seconds per step: the first step (compilation, caches) left out once there are
        more, as Keras does."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit
