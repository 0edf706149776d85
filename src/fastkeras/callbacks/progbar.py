"""A Keras-style progress bar.

On a terminal it redraws one line in place (at most ~20 times a second). When stdout is
not a terminal (a log file, CI) it writes one line per epoch instead of one per update."""

from __future__ import annotations

import sys
import time


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{seconds:.0f}s"


def _format_step(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _format_value(v) -> str:
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


class Progbar:
    def __init__(self, target, width=20, verbose=1, stream=None, interval=0.05):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interval = interval
        self.dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._start = time.perf_counter()
        self._last_update = 0.0
        self._prev_width = 0

    def update(self, current, values=(), finalize=None):
        if self.verbose == 0:
            return
        finalize = (current >= self.target) if finalize is None else finalize
        now = time.perf_counter()
        if not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        metrics = "".join(f" - {k}: {_format_value(v)}" for k, v in values)
        if self.verbose == 2:
            if finalize:
                self.stream.write(f"{current}/{self.target} - {_format_time(elapsed)} - "
                                  f"{_format_step(per_step)}{metrics}\n")
                self.stream.flush()
            return
        if not self.dynamic and not finalize:
            return
        digits = len(str(self.target))
        done = int(self.width * current / self.target) if self.target else self.width
        bar = "━" * done
        rest = "━" * (self.width - done)
        if self.dynamic:
            bar = f"\x1b[32m{bar}\x1b[0m\x1b[37m{rest}\x1b[0m"
        else:
            bar = bar + rest
        eta = _format_time(elapsed) if finalize else \
            _format_time(per_step * (self.target - current))
        line = f"{current:>{digits}}/{self.target} {bar} {eta} {_format_step(per_step)}{metrics}"
        if self.dynamic:
            pad = max(0, self._prev_width - len(line))
            self.stream.write("\r" + line + " " * pad)
            self._prev_width = len(line)
            if finalize:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
