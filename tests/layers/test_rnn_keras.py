"""The recurrent layers and wrappers against the numbers and configs real Keras 3 produced
for the same cases (tests/fixtures/rnn_cases.py, keras_rnn.npz/json, made by
make_keras_rnn.py): outputs of the eager call, outputs and gradients of the traced call
with the scan written out (as the compiled steps run it) on every backend, configs, and
3-epoch fits on every backend."""

import functools
import json
import re
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import rnn_cases
from tests.layers.recurrent_fixture import check_traced, trace_call

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_rnn.npz")
CONFIGS = json.loads((HERE / "keras_rnn.json").read_text())


def _want(case, key):
    return FIXTURE[f"{case}__{key}"]


def _outputs(case):
    return [_want(case, f"out{i}") for i in range(int(_want(case, "n_outputs")))]


def _unnumbered(paths):
    """Weight paths without the counter RNN's automatic StackedRNNCells name carries."""
    return [re.sub(r"stacked_rnn_cells_\d+", "stacked_rnn_cells", str(p)) for p in paths]


@pytest.mark.parametrize("case", sorted(rnn_cases.LAYER_CASES))
def test_eager_call_matches_keras(case):
    layer, x, kwargs = rnn_cases.prepare(fastkeras, case)
    got = rnn_cases.flatten(rnn_cases.call(layer, x, kwargs))
    want = _outputs(case)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == w.shape, f"output {i}"
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
    names = [w.name for w in layer.trainable_weights]
    assert names == list(_want(case, "weight_names"))
    assert _unnumbered(w.path for w in layer.weights) == \
        _unnumbered(_want(case, "weight_paths"))


@functools.lru_cache(maxsize=None)
def _traced(case):
    """Outputs and gradients of the case's call traced into a graph, the scan lowered."""
    layer, x, kwargs = rnn_cases.prepare(fastkeras, case)
    return trace_call(layer, x, kwargs, rnn_cases.call, rnn_cases.flatten,
                      lambda shapes: rnn_cases.loss_weights(case, shapes))


@pytest.mark.parametrize("case", sorted(rnn_cases.LAYER_CASES))
def test_traced_outputs_and_gradients_match_keras(backend, case):
    check_traced(_traced(case), backend, _outputs(case), lambda key: _want(case, key))


def _plain(config):
    config = json.loads(json.dumps(config, default=lambda o: np.asarray(o).tolist()))

    def policy(c):
        if isinstance(c, dict):
            d = c.get("dtype")
            if isinstance(d, dict) and d.get("class_name") in ("DTypePolicy", "Policy"):
                c["dtype"] = d.get("config", {}).get("name")
            if c.get("class_name") == "StackedRNNCells":  # an automatic name, a counter's
                c["config"].pop("name", None)
            for v in c.values():
                policy(v)
        elif isinstance(c, list):
            for v in c:
                policy(v)
        return c
    return policy(config)


@pytest.mark.parametrize("case", sorted(rnn_cases.CONFIG_LAYERS))
def test_config_matches_keras_and_round_trips(case):
    want = CONFIGS["configs"][case]
    layer = rnn_cases.CONFIG_LAYERS[case](fastkeras)
    assert type(layer).__name__ == want["class_name"]
    got, want_config = _plain(layer.get_config()), _plain(want["config"])
    assert set(got) == set(want_config), (sorted(set(got) ^ set(want_config)))
    diff = {k: (got[k], want_config[k]) for k in want_config if got[k] != want_config[k]}
    assert not diff, f"get_config() values (fastkeras, Keras) differ: {diff}"
    # Keras's config makes the same layer here.
    again = type(layer).from_config(want["config"])
    assert _plain(again.get_config()) == got


@pytest.mark.parametrize("case", sorted(rnn_cases.FIT_CASES))
def test_fit_matches_keras(backend, case):
    got = rnn_cases.FIT_CASES[case](fastkeras)
    np.testing.assert_allclose(got["loss"], _want(f"fit_{case}", "loss"), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got["predictions"], _want(f"fit_{case}", "predictions"),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["weights"], _want(f"fit_{case}", "weights"), rtol=1e-4,
                               atol=1e-4)


def test_fixture_comes_from_keras_3():
    assert str(FIXTURE["keras_version"]).startswith("3.")
    assert set(CONFIGS["configs"]) == set(rnn_cases.CONFIG_LAYERS)


def _h5_paths(keras_file, tmp_path):
    import zipfile
    import h5py  # optional: fastkeras's saving extra
    with zipfile.ZipFile(keras_file) as z:
        z.extract("model.weights.h5", tmp_path)
    names = []
    with h5py.File(tmp_path / "model.weights.h5") as f:
        f.visit(names.append)
    return sorted(names)


def test_keras_file_loads_and_fastkeras_writes_the_same_layout(tmp_path):
    keras_file = HERE / "saving" / "keras_rnn.keras"
    model = fastkeras.models.load_model(keras_file)
    np.testing.assert_allclose(model.predict(_want("saved", "x"), verbose=0),
                               _want("saved", "predictions"), rtol=1e-5, atol=1e-6)
    ours = tmp_path / "ours.keras"
    rnn_cases.saved_model(fastkeras, ours)
    (tmp_path / "k").mkdir()
    (tmp_path / "f").mkdir()
    assert _h5_paths(ours, tmp_path / "f") == _h5_paths(keras_file, tmp_path / "k")
