"""ReversibleEmbedding against real Keras 3 (tests/fixtures/reversible_embedding_cases.py,
keras_reversible_embedding.npz/json/.keras, made by make_keras_reversible_embedding.py):
outputs of both directions, traced outputs and gradients on every backend, weights,
configs, output shapes, a 3-epoch fit of a tied language model, a Keras-written .keras
file and fastkeras's own round trip; masks, reverse_dtype, `weights=` and bad arguments."""

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.layers.masks import get_keras_mask
from tests.fixtures import reversible_embedding_cases as cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
GOLD = np.load(HERE / "keras_reversible_embedding.npz")
INFO = json.loads((HERE / "keras_reversible_embedding.json").read_text())["layers"]
CASES = sorted(cases.CASES)


def gold(case, key):
    return GOLD[f"{case}__{key}"]


def case_model(case):
    """The case's fastkeras model, with Keras's start weights (checked)."""
    model = cases.case_model(keras, case)
    weights = model.get_weights()
    assert f"{case}__w{len(weights)}" not in GOLD
    for i, value in enumerate(weights):
        np.testing.assert_array_equal(value, gold(case, f"w{i}"))
    return model


def assert_outputs(got, case):
    assert len(got) == 3
    for i, g in enumerate(got):
        want = gold(case, f"out{i}")
        assert np.shape(g) == want.shape, f"{case}: output {i}"
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-5, err_msg=f"{case}: output {i}")


@pytest.mark.parametrize("case", CASES)
def test_eager_outputs_match_keras(case):
    assert_outputs(case_model(case)(cases.case_data(case)), case)


@functools.lru_cache(maxsize=None)
def _traced(case):
    """The outputs and the gradients of sum_i sum(out_i * r_i) w.r.t. the hidden states
    and every weight, traced once."""
    model = case_model(case)
    ids, hidden = cases.case_data(case)
    g = Graph("reversible_embedding_case")
    with g:
        feeds = [g.placeholder(ids.shape, "int32"), g.placeholder(hidden.shape, "float32")]
        outs = list(model(feeds))
        r = cases.cotangents(case, [o.shape for o in outs])
        terms = [bind("sum", bind("multiply", o, g.constant(ri)), axes=None)
                 for o, ri in zip(outs, r)]
        loss = functools.reduce(lambda a, b: bind("add", a, b), terms)
        grads = grad(loss, [feeds[1]] + [g.variable(w) for w in model.trainable_weights])
    return outs + grads, {feeds[0]: ids, feeds[1]: hidden}


@pytest.mark.parametrize("case", CASES)
def test_traced_outputs_and_gradients_match_keras(backend, case):
    roots, feed = _traced(case)
    got = evaluate(roots, feed, backends.get(backend))
    assert_outputs(got[:3], case)
    n_weights = 2 if cases.CASES[case].get("tie_weights") is False else 1
    wanted = [gold(case, "grad_hidden")] + [gold(case, f"grad_w{i}") for i in range(n_weights)]
    assert len(got) - 3 == len(wanted) and f"{case}__grad_w{n_weights}" not in GOLD
    for i, (g, w) in enumerate(zip(got[3:], wanted)):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4, err_msg=f"{case}: d/d {i}")


@pytest.mark.parametrize("case", CASES)
def test_weights_config_and_output_shapes_match_keras(case):
    layer = case_model(case).get_layer("case_layer")
    info = INFO[case]
    assert [w.path for w in layer.weights] == info["weight_paths"]
    assert [list(w.shape) for w in layer.weights] == info["weight_shapes"]
    assert json.loads(json.dumps(layer.get_config())) == info["config"]
    ids_shape, hidden_shape = (None, cases.STEPS), (None, cases.STEPS, cases.DIM)
    assert layer.compute_output_shape(ids_shape) == info["output_shape"]
    assert layer.compute_output_shape(hidden_shape, reverse=True) == \
        info["reverse_output_shape"]
    spec = layer.compute_output_spec(keras.layers.KerasTensor(hidden_shape), reverse=True)
    assert list(spec.shape) == info["reverse_output_shape"] and spec.dtype == "float32"
    clone = type(layer).from_config(layer.get_config())
    clone.build_from_config(layer.get_build_config())
    assert [w.path.split("/", 1)[1] for w in clone.weights] == \
        [p.split("/", 1)[1] for p in info["weight_paths"]]


@pytest.mark.parametrize("case", ["tied_mask_zero", "untied_soft_cap_mask_zero"])
def test_the_forward_mask_reaches_the_layers_after(case):
    """The pooled output averages only the unpadded steps: it differs from the plain mean
    of the lookup in the padded rows (so the mask_zero cases do test the mask)."""
    looked_up, _, pooled = case_model(case)(cases.case_data(case))
    plain_mean = np.asarray(looked_up).mean(axis=1)
    assert np.allclose(pooled[0], plain_mean[0], atol=1e-6)  # row 0 has no padding
    assert not np.allclose(pooled[1:], plain_mean[1:], atol=1e-3)


def test_only_the_forward_call_makes_a_mask():
    layer = keras.layers.ReversibleEmbedding(5, 3, mask_zero=True)
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    hidden = layer(ids)
    np.testing.assert_array_equal(get_keras_mask(hidden), ids != 0)
    assert layer.compute_mask(ids) is None
    assert get_keras_mask(layer(hidden, reverse=True)) is None
    x = keras.Input((3,), dtype="int32")
    assert layer(layer(x), reverse=True).shape == (None, 3, 5)


def test_fit_matches_keras(backend):
    """3 epochs of Adam from the same weights: per-epoch losses (1e-4), predictions after
    (1e-5) and final weights (1e-4) equal real Keras's."""
    out = cases.run_fit(keras)
    np.testing.assert_allclose(out["loss"], GOLD["fit__loss"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out["pred"], GOLD["fit__pred"], rtol=1e-5, atol=1e-5)
    finals = sorted(k for k in out if k.startswith("final_w"))
    assert len(finals) == len([k for k in GOLD.files if k.startswith("fit__final_w")])
    for key in finals:
        np.testing.assert_allclose(out[key], GOLD[f"fit__{key}"], rtol=1e-4, atol=1e-4,
                                   err_msg=key)


def test_keras_written_file_loads_and_predicts_as_keras():
    model = keras.saving.load_model(HERE / "keras_reversible_embedding.keras")
    head = model.get_layer("head")
    assert type(head).__name__ == "ReversibleEmbedding" and head.tie_weights is False
    assert [w.path for w in head.weights] == ["head/embeddings", "head/reverse_embeddings"]
    np.testing.assert_allclose(model.predict(cases.saving_data(), verbose=0),
                               GOLD["saved__pred"], rtol=1e-5, atol=1e-5)


def test_fastkeras_save_load_round_trip(tmp_path):
    model = cases.saving_model(keras)
    x = cases.saving_data()
    np.testing.assert_allclose(model.predict(x, verbose=0), GOLD["saved__pred"], rtol=1e-5,
                               atol=1e-5)
    path = tmp_path / "head.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [w.path for w in loaded.weights] == [w.path for w in model.weights]
    assert loaded.get_layer("head").get_config() == model.get_layer("head").get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), GOLD["saved__pred"], rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("positional", [False, True])
def test_reverse_call_on_a_model_input_is_not_checked_as_ids(positional):
    """fit/predict check the ids an Embedding reads from a model input; a reverse call
    (`reverse=True` or a positional True) reads hidden states (floats beyond input_dim
    here) and is left alone."""
    hidden, layer = keras.Input((3,)), keras.layers.ReversibleEmbedding(4, 3)
    model = keras.Model(hidden, layer(hidden, True) if positional else
                        layer(hidden, reverse=True))
    x = np.full((2, 3), 9.5, np.float32)
    assert model.predict(x, verbose=0).shape == (2, 4)
    model.compile(loss="mse")
    assert np.isfinite(model.fit(x, np.zeros((2, 4)), verbose=0).history["loss"][0])


def test_reverse_dtype_and_soft_cap():
    """reverse_dtype='float64': the projection and its soft cap run in float64."""
    layer = keras.layers.ReversibleEmbedding(5, 3, reverse_dtype="float64", logit_soft_cap=2.0)
    hidden = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32) * 3
    logits = layer(hidden, reverse=True)
    assert logits.dtype == "float64"
    table = layer.embeddings.numpy().astype(np.float64)
    want = np.tanh(hidden.astype(np.float64) @ table.T / 2.0) * 2.0
    np.testing.assert_allclose(logits, want, rtol=1e-12, atol=1e-12)
    assert layer.get_config()["reverse_dtype"] == "float64"


def test_weights_argument_sets_both_matrices():
    table = np.arange(15, dtype=np.float32).reshape(5, 3)
    layer = keras.layers.ReversibleEmbedding(5, 3, tie_weights=False,
                                             weights=[table, 2 * table.T])
    hidden = np.eye(3, dtype=np.float32)
    np.testing.assert_array_equal(layer(hidden, reverse=True), 2 * table.T)
    np.testing.assert_array_equal(layer(np.array([4])), table[4:5])


def test_reverse_input_of_the_wrong_width_raises_value_error():
    layer = keras.layers.ReversibleEmbedding(5, 3)
    with pytest.raises(ValueError, match="last axis is output_dim=3"):
        layer(np.ones((2, 7), np.float32), reverse=True)
    with pytest.raises(ValueError, match="last axis is output_dim=3"):
        layer(keras.Input((4, 7)), reverse=True)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input_dim=0), ValueError, "`input_dim` must be a positive integer"),
    (dict(output_dim=2.0), ValueError, "`output_dim` must be a positive integer"),
    (dict(lora_rank=2), NotImplementedError, r"ReversibleEmbedding\(lora_rank"),
    (dict(quantization_config={}), NotImplementedError, "quantization_config"),
    (dict(unknown=1), TypeError, "unknown"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"input_dim": 5, "output_dim": 3, **kwargs}
    with pytest.raises(error, match=match):
        keras.layers.ReversibleEmbedding(**args)
