"""plot_history: training curves of a fit as a picture (fastkeras's own helper).

One panel per metric (the loss first), its training and `val_` curves together. Drawn on
a bare matplotlib Figure with the Agg canvas, so neither pyplot's global state nor the
user's interactive backend is touched.
"""

from __future__ import annotations

import math
import os

_PANEL_SIZE = (5.0, 3.6)  # inches per panel
_MAX_COLUMNS = 3


def _figure_classes():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("plot_history draws with matplotlib, which is not installed. "
                          "Install it with `pip install fastkeras[plot]`.") from exc
    return Figure, FigureCanvasAgg


def _history_dict(history):
    """(the {name: [values]} dict, the epoch indices) of a History or of its dict."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError("plot_history expects a History (what fit() returns) or its "
                        f"`.history` dict. Received: {type(history).__name__}")
    if not logs or not any(len(v) for v in logs.values()):
        raise ValueError("plot_history: the history holds no values to plot (did fit() run "
                         "any epoch?)")
    epochs = list(getattr(history, "epoch", None) or [])
    longest = max(len(v) for v in logs.values())
    if len(epochs) != longest:
        epochs = list(range(longest))
    return logs, epochs


def _panels(logs):
    """Metric names in panel order: the loss first, then the others as logged; a `val_`
    name shares its metric's panel."""
    names = []
    for key in logs:
        name = key[4:] if key.startswith("val_") else key
        if name not in names:
            names.append(name)
    return sorted(names, key=lambda name: name != "loss")


def _positions(key, values, epochs, validation_freq):
    """The epochs (1-based, as the progress bar counts) at which `values` were logged: every
    epoch, or for a `val_` series every `validation_freq`-th one, as fit validates."""
    if key.startswith("val_") and len(values) != len(epochs):
        epochs = [e for i, e in enumerate(epochs) if (i + 1) % validation_freq == 0]
    if len(values) != len(epochs):
        raise ValueError(f"plot_history: {key!r} holds {len(values)} values for "
                         f"{len(epochs)} epochs (pass the fit's `validation_freq` if "
                         "validation ran only on some epochs)")
    return [e + 1 for e in epochs]


def history_figure(history, validation_freq=1):
    """The matplotlib Figure plot_history saves: one Axes per metric, with a line for the
    training values and one for the validation values (when logged)."""
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, int) \
            or validation_freq < 1:
        raise ValueError("plot_history: `validation_freq` must be a positive integer. "
                         f"Received: validation_freq={validation_freq!r}")
    Figure, FigureCanvasAgg = _figure_classes()
    logs, epochs = _history_dict(history)
    names = _panels(logs)
    columns = min(len(names), _MAX_COLUMNS)
    rows = math.ceil(len(names) / columns)
    fig = Figure(figsize=(_PANEL_SIZE[0] * columns, _PANEL_SIZE[1] * rows),
                 layout="constrained")
    FigureCanvasAgg(fig)
    for index, name in enumerate(names):
        ax = fig.add_subplot(rows, columns, index + 1)
        for key, label in ((name, "training"), ("val_" + name, "validation")):
            if key in logs and len(logs[key]):
                x = _positions(key, logs[key], epochs, validation_freq)
                ax.plot(x, [float(v) for v in logs[key]], marker="o", markersize=3,
                        label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def plot_history(history, path, validation_freq=1):
    """Draws the curves of `history` (a History, or its `.history` dict) to an image at
    `path` (PNG unless the name says another format matplotlib writes) and returns the
    Figure. `validation_freq` places the `val_` points when fit validated only every n-th
    epoch."""
    fig = history_figure(history, validation_freq)
    fig.savefig(os.fspath(path), dpi=100)
    return fig
