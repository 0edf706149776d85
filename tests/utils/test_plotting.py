"""fastkeras.utils.plot_history: the PNG of a real fit, and the figure's panels and lines."""

import subprocess
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.callbacks import History
from fastkeras.utils.plotting import history_figure, plot_history


def lines(ax):
    """{legend label: (x, y)} of one panel."""
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
            for line in ax.get_lines()}


def test_plot_history_of_a_fit_writes_a_png(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32").reshape(-1, 1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, verbose=0)
    path = tmp_path / "history.png"
    fig = keras.utils.plot_history(history, path)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:  # two panels side by side, 100 dpi
        assert image.size == (1000, 360)
        assert len(set(np.asarray(image.convert("L")).reshape(-1).tolist())) > 10  # drawn
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax, name in zip(fig.axes, ("loss", "accuracy")):
        assert lines(ax) == {"training": ([1, 2, 3], history.history[name]),
                             "validation": ([1, 2, 3], history.history["val_" + name])}


def test_one_panel_per_metric_loss_first_with_its_validation_curve():
    logs = {"accuracy": [0.5, 0.7], "loss": [1.0, 0.8], "mae": [0.4, 0.3],
            "val_accuracy": [0.4, 0.6], "val_loss": [1.1, 0.9], "val_only": [3.0, 2.0]}
    fig = history_figure(logs)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy", "mae", "only"]
    loss, accuracy, mae, only = fig.axes
    assert lines(loss) == {"training": ([1, 2], [1.0, 0.8]), "validation": ([1, 2], [1.1, 0.9])}
    assert lines(accuracy)["validation"] == ([1, 2], [0.4, 0.6])
    assert list(lines(mae)) == ["training"] and list(lines(only)) == ["validation"]
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    # Four panels: a grid of three columns, two rows.
    assert [tuple(ax.get_subplotspec().get_geometry()[:2]) for ax in fig.axes] == [(2, 3)] * 4
    assert tuple(fig.get_size_inches()) == pytest.approx((15.0, 7.2))


def test_a_history_object_places_points_at_its_epochs():
    history = History()
    history.epoch = [2, 3, 4]  # fit(initial_epoch=2, epochs=5)
    history.history = {"loss": [0.9, 0.8, 0.7]}
    [ax] = history_figure(history).axes
    assert lines(ax) == {"training": ([3, 4, 5], [0.9, 0.8, 0.7])}


def test_validation_every_nth_epoch():
    logs = {"loss": [4.0, 3.0, 2.0, 1.0], "val_loss": [3.5, 1.5]}
    [ax] = history_figure(logs, validation_freq=2).axes
    assert lines(ax)["validation"] == ([2, 4], [3.5, 1.5])
    with pytest.raises(ValueError, match="'val_loss' holds 2 values for 4 epochs"):
        history_figure(logs)


@pytest.mark.parametrize("history, kwargs, error, match", [
    ([0.1, 0.2], {}, TypeError, "History .* or its `.history` dict. Received: list"),
    ({}, {}, ValueError, "no values to plot"),
    ({"loss": []}, {}, ValueError, "no values to plot"),
    ({"loss": [1.0]}, {"validation_freq": 0}, ValueError, "validation_freq=0"),
])
def test_bad_input(tmp_path, history, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_history(history, tmp_path / "h.png", **kwargs)
    assert not (tmp_path / "h.png").exists()


def test_missing_matplotlib_names_the_extra(monkeypatch, tmp_path):
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install fastkeras\[plot\]"):
        plot_history({"loss": [1.0]}, tmp_path / "h.png")


def test_optional_libraries_are_not_imported_with_fastkeras():
    code = ("import sys, fastkeras; "
            "print(sorted(m for m in ('matplotlib', 'tensorboardX', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
