"""ConvLSTM1D/2D/3D against the numbers and configs real Keras 3 produced for the same cases
(tests/fixtures/conv_lstm_cases.py, keras_conv_lstm.npz/json, made by
make_keras_conv_lstm.py): outputs of the eager call, outputs and gradients of the traced
call with the scan written out on every backend, output shapes, weight paths, configs, a
3-epoch fit on every backend; and the arguments Keras refuses."""

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import conv_lstm_cases as cases
from tests.layers.recurrent_fixture import check_traced, trace_call

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_conv_lstm.npz")
CONFIGS = json.loads((HERE / "keras_conv_lstm.json").read_text())


def _want(case, key):
    return FIXTURE[f"{case}__{key}"]


def _outputs(case):
    return [_want(case, f"out{i}") for i in range(int(_want(case, "n_outputs")))]


@pytest.mark.parametrize("case", sorted(cases.LAYER_CASES))
def test_eager_call_matches_keras(case):
    layer, x, kwargs = cases.prepare(fastkeras, case)
    got = cases.flatten(layer(x, **kwargs))
    want = _outputs(case)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == w.shape, f"output {i}"
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
    assert [w.path for w in layer.weights] == list(_want(case, "weight_paths"))
    shape = json.loads(str(_want(case, "output_shape")))
    assert json.loads(json.dumps(layer.compute_output_shape(x.shape))) == shape


@functools.lru_cache(maxsize=None)
def _traced(case):
    """Outputs and gradients of the case's call traced into a graph, the scan lowered."""
    layer, x, kwargs = cases.prepare(fastkeras, case)
    return trace_call(layer, x, kwargs, lambda layer, x, kw: layer(x, **kw), cases.flatten,
                      lambda shapes: cases.loss_weights(case, shapes))


@pytest.mark.parametrize("case", sorted(cases.LAYER_CASES))
def test_traced_outputs_and_gradients_match_keras(backend, case):
    check_traced(_traced(case), backend, _outputs(case), lambda key: _want(case, key))


def _plain(config):
    config = json.loads(json.dumps(config, default=lambda o: np.asarray(o).tolist()))
    d = config.get("dtype")
    if isinstance(d, dict):
        config["dtype"] = d.get("config", {}).get("name")
    return config


@pytest.mark.parametrize("case", sorted(cases.CONFIG_LAYERS))
def test_config_matches_keras_and_round_trips(case):
    want = CONFIGS["configs"][case]
    layer = cases.CONFIG_LAYERS[case](fastkeras)
    assert type(layer).__name__ == want["class_name"]
    got, want_config = _plain(layer.get_config()), _plain(want["config"])
    assert set(got) == set(want_config), sorted(set(got) ^ set(want_config))
    diff = {k: (got[k], want_config[k]) for k in want_config if got[k] != want_config[k]}
    assert not diff, f"get_config() values (fastkeras, Keras) differ: {diff}"
    again = type(layer).from_config(want["config"])
    assert _plain(again.get_config()) == got
    assert again.filters == want_config["filters"]
    assert again.kernel_size == tuple(want_config["kernel_size"])


@pytest.mark.parametrize("case", sorted(cases.FIT_CASES))
def test_fit_matches_keras(backend, case):
    got = cases.FIT_CASES[case](fastkeras)
    np.testing.assert_allclose(got["loss"], _want(f"fit_{case}", "loss"), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got["predictions"], _want(f"fit_{case}", "predictions"),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["weights"], _want(f"fit_{case}", "weights"), rtol=1e-4,
                               atol=1e-4)


def test_fixture_comes_from_keras_3():
    assert str(FIXTURE["keras_version"]).startswith("3.")
    assert set(CONFIGS["configs"]) == set(cases.CONFIG_LAYERS)


# ---- behaviour without a Keras number ------------------------------------------------------
def test_weights_shapes_and_unit_forget_bias():
    layer = fastkeras.layers.ConvLSTM2D(3, (2, 3))
    layer.build((None, 4, 6, 7, 5))
    assert [tuple(w.shape) for w in layer.weights] == [(2, 3, 5, 12), (2, 3, 3, 12), (12,)]
    np.testing.assert_array_equal(np.asarray(layer.weights[2]),
                                  np.repeat([0.0, 1.0, 0.0, 0.0], 3))


def test_dropout_applies_only_in_training():
    layer = fastkeras.layers.ConvLSTM1D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.3,
                                        return_sequences=True, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 3)).astype(np.float32)
    plain = fastkeras.layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True)
    plain.build(x.shape)
    layer.build(x.shape)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x), plain(x), rtol=1e-6)
    dropped = np.asarray(layer(x, training=True))
    assert not np.allclose(dropped, np.asarray(plain(x)), atol=1e-3)
    assert np.isfinite(dropped).all()


def test_model_saves_and_loads(tmp_path):
    model = fastkeras.Sequential([fastkeras.Input((3, 5, 2)),
                                  fastkeras.layers.ConvLSTM1D(2, 3, return_sequences=True),
                                  fastkeras.layers.ConvLSTM1D(2, 2, data_format="channels_last")])
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 2)).astype(np.float32)
    want = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    again = fastkeras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), want, rtol=1e-6)


@pytest.mark.parametrize("make, error, match", [
    (lambda L: L.ConvLSTM2D(2, 3, stateful=True), NotImplementedError, "stateful"),
    (lambda L: L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2), ValueError, "dilation_rate"),
    (lambda L: L.ConvLSTM1D(2, 3, padding="causal"), ValueError, "padding"),
    (lambda L: L.ConvLSTM3D(2, (2, 2)), ValueError, "kernel_size"),
    (lambda L: L.ConvLSTM2D(2, 3, data_format="nhwc"), ValueError, "data_format"),
    (lambda L: L.ConvLSTM2D(2, 3, use_cudnn=False), TypeError, "use_cudnn"),
])
def test_bad_arguments_raise_keras_errors(make, error, match):
    with pytest.raises(error, match=match):
        make(fastkeras.layers)


def test_bad_inputs_raise_value_error():
    layer = fastkeras.layers.ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match="expected ndim=5"):
        layer(np.zeros((2, 3, 5, 5), np.float32))
    layer(np.zeros((2, 3, 5, 5, 2), np.float32))
    with pytest.raises(ValueError, match="incompatible"):
        layer(np.zeros((2, 3, 5, 5, 4), np.float32))
    with pytest.raises(ValueError, match="zero or negative"):
        fastkeras.layers.ConvLSTM1D(2, 5)(np.zeros((1, 2, 3, 1), np.float32))


def test_unroll_with_a_mask_is_refused():
    layer = fastkeras.layers.ConvLSTM1D(2, 3, unroll=True)
    with pytest.raises(NotImplementedError, match="unroll"):
        layer(np.zeros((1, 2, 4, 1), np.float32), mask=np.ones((1, 2), bool))


def test_channels_first_matches_channels_last_transposed():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 5, 2)).astype(np.float32)  # channels_last
    last = fastkeras.layers.ConvLSTM2D(2, 3, strides=2, return_sequences=True,
                                       return_state=True)
    first = fastkeras.layers.ConvLSTM2D(2, 3, strides=2, return_sequences=True,
                                        return_state=True, data_format="channels_first")
    last.build(x.shape)
    first.build(np.moveaxis(x, -1, 2).shape)
    first.set_weights(last.get_weights())
    h0 = rng.standard_normal((2, 2, 2, 2)).astype(np.float32)  # (batch, rows, cols, filters)
    want = last(x, initial_state=[h0, h0])
    got = first(np.moveaxis(x, -1, 2), initial_state=[np.moveaxis(h0, -1, 1)] * 2)
    np.testing.assert_allclose(got[0], np.moveaxis(np.asarray(want[0]), -1, 2), rtol=1e-5)
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g, np.moveaxis(np.asarray(w), -1, 1), rtol=1e-5)
    # A lone cell's step in channels_first is the layer's first step.
    step, (h, c) = first.cell(np.moveaxis(x[:, 0], -1, 1), [np.moveaxis(h0, -1, 1)] * 2)
    np.testing.assert_allclose(step, np.asarray(got[0])[:, 0], rtol=1e-5)
    np.testing.assert_allclose(h, step)
