"""Progress output against real Keras 3 (tests/fixtures/progress_cases.py,
keras_progress.json): the Progbar's bytes under a fake clock, and what fit / evaluate /
predict print, in a terminal and piped to a file."""

import contextlib
import io
import json
import re
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.callbacks import ProgbarLogger
from fastkeras.utils.progbar import Progbar
from tests.fixtures import progress_cases

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                      "keras_progress.json").read_text())
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _screen(text):
    """The lines a terminal shows for `text`: colour codes dropped, '\\r' and '\\b' moving
    the cursor back over the line, trailing blanks stripped."""
    lines, line, col = [], [], 0
    for ch in _ANSI.sub("", text):
        if ch == "\n":
            lines.append("".join(line).rstrip())
            line, col = [], 0
        elif ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(0, col - 1)
        else:
            line[col:col + 1] = [ch]
            col += 1
    if line:
        lines.append("".join(line).rstrip())
    return lines


_NUMBER = r"-?\d+\.\d+(?:e[+-]\d+)?|nan|inf"


def _masked(lines):
    """(lines with the timings and metric values masked, the values): the timings are
    real, and the values may differ from Keras's in the last printed digit."""
    values = []
    out = []
    for line in lines:
        line = re.sub(r"(━ |^\d+/\d+ - )\d+s\b", r"\1<T>", line)
        line = re.sub(r" \d+(?:s|ms|us)/step", " <T>/step", line)
        values += [float(v) for v in re.findall(r": (" + _NUMBER + ")", line)]
        out.append(re.sub(r": (" + _NUMBER + ")", ": <V>", line))
    return out, values


def _assert_same_screen(got_text, want_text):
    got, got_values = _masked(_screen(got_text))
    want, want_values = _masked(_screen(want_text))
    assert got == want
    np.testing.assert_allclose(got_values, want_values, atol=1.5e-4)


@pytest.mark.parametrize("name", sorted(progress_cases.PROGBAR_CASES))
def test_progbar_writes_keras_bytes_in_a_terminal(name):
    case = progress_cases.PROGBAR_CASES[name]
    assert progress_cases.run_progbar(Progbar, case, True) == \
        FIXTURE["progbar"][name]["dynamic"]


@pytest.mark.parametrize("name", sorted(progress_cases.PROGBAR_CASES))
def test_progbar_off_a_terminal_writes_only_finished_bars_as_plain_lines(name):
    """Keras's finished lines (what its terminal output leaves on screen once a bar ends),
    without colour codes, carriage returns or the redraws in between."""
    case = progress_cases.PROGBAR_CASES[name]
    got = progress_cases.run_progbar(Progbar, case, False)
    keras_text = FIXTURE["progbar"][name]["dynamic"]
    finished = [part.split("\r")[-1] for part in keras_text.split("\n")[:-1]]
    assert got == "".join(_ANSI.sub("", line).rstrip() + "\n" for line in finished)
    assert "\r" not in got and "\b" not in got and "\x1b" not in got


@pytest.mark.parametrize("name", sorted(progress_cases.RUN_CASES))
def test_fit_evaluate_predict_print_what_keras_prints(name):
    got = progress_cases.RUN_CASES[name](keras)
    want = FIXTURE["runs"][name]
    for key in want:
        if key.startswith("stdout"):
            _assert_same_screen(got[key], want[key])
            assert "\r" not in got[key] and "\x1b" not in got[key]  # piped: plain lines
        elif key == "history":
            assert sorted(got[key]) == sorted(want[key])
            for metric, values in want[key].items():
                np.testing.assert_allclose(got[key][metric], values, rtol=1e-5)
        elif key.startswith("result"):
            np.testing.assert_allclose(got[key], want[key], rtol=1e-5)
        else:
            assert got[key] == want[key], key


def test_fit_in_a_terminal_redraws_in_place_and_leaves_keras_screen():
    got = progress_cases.fit_verbose_1(keras, _Terminal)
    assert "\r" in got["stdout"] and "\x1b[1m" in got["stdout"] and "\x1b[32m" in got["stdout"]
    _assert_same_screen(got["stdout"], FIXTURE["runs"]["fit_verbose_1"]["stdout"])
    assert got["params"] == FIXTURE["runs"]["fit_verbose_1"]["params"]


@pytest.mark.parametrize("name", ["evaluate_verbose", "predict_verbose"])
def test_evaluate_and_predict_in_a_terminal_show_their_own_bars(name):
    got = progress_cases.RUN_CASES[name](keras, _Terminal)
    for verbose in (1, 2, 0):
        _assert_same_screen(got[f"stdout_{verbose}"],
                            FIXTURE["runs"][name][f"stdout_{verbose}"])
    assert "\x1b[1m" in got["stdout_1"] and got["stdout_0"] == ""


def _fit_long(verbose, epochs=2, n=4096, callbacks=None):
    x, y = progress_cases.data(n)
    model = progress_cases.model_of(keras)
    model.fit(x, y, batch_size=8, epochs=epochs, verbose=verbose, callbacks=callbacks)


def test_a_piped_log_gets_one_line_per_epoch_however_many_steps():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _fit_long(1, epochs=3)
    lines = out.getvalue().split("\n")
    assert len(lines) == 7 and lines[-1] == ""
    assert [lines[i] for i in (0, 2, 4)] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all(line.startswith("512/512 ━━━━━━━━━━━━━━━━━━━━ ") for line in lines[1:6:2])


def test_a_live_bar_is_fed_per_chunk_not_per_step():
    """In a terminal fit returns to Python about every 0.1 s to redraw, not every step."""
    calls = []

    class Counting(ProgbarLogger):
        def on_train_batch_end(self, batch, logs=None):
            calls.append(batch)
            super().on_train_batch_end(batch, logs)

    with contextlib.redirect_stdout(_Terminal()):
        _fit_long(1, epochs=1, n=8192, callbacks=[Counting()])
    assert calls[-1] == 1023 and calls == sorted(calls)
    assert len(calls) < 100  # 1024 steps


def test_a_live_bar_redraws_at_most_ten_times_a_second():
    clock = [0.0]
    term = _Terminal()
    logger = ProgbarLogger()
    logger.set_params({"verbose": 1, "epochs": 1, "steps": 5000})
    with mock.patch.object(time, "time", lambda: clock[0]), contextlib.redirect_stdout(term):
        logger.on_epoch_begin(0)
        for batch in range(5000):  # 5 s of 1 ms steps, each reported
            clock[0] += 0.001
            logger.on_train_batch_end(batch, {"loss": 1.0})
    assert 45 <= term.getvalue().count("\r") <= 51


def test_verbose_0_prints_nothing(capsys):
    x, y = progress_cases.data(40)
    model = progress_cases.model_of(keras)
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("verbose", ["yes", 3, -1, None])
def test_bad_verbose_is_refused(verbose):
    x, y = progress_cases.data(8)
    model = progress_cases.model_of(keras)
    with pytest.raises(ValueError, match="verbose"):
        model.fit(x, y, verbose=verbose)
