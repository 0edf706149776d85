"""MultiHeadAttention, Attention and AdditiveAttention against the numbers real Keras 3
produced for the same models (tests/fixtures/attention_cases.py, keras_attention.npz/json,
made by make_keras_attention.py): eager outputs, traced outputs and gradients on every
backend, weight paths, configs and build configs; the transformer encoder block of issue
[8] fitted 3 epochs on every backend, without and with Embedding(mask_zero=True)."""

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from tests.fixtures import attention_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
GOLD = np.load(HERE / "keras_attention.npz")
INFO = json.loads((HERE / "keras_attention.json").read_text())["layers"]
CASES = sorted(attention_cases.CASES)


def gold(case, key):
    return GOLD[f"{case}__{key}"]


def _outputs(case):
    return [gold(case, f"out{i}") for i in range(int(gold(case, "n_outputs")))]


def _model(case):
    model = attention_cases.build_model(fastkeras, case)
    # The same start weights as Keras's run (the RNG draws in get_weights() order).
    for i, value in enumerate(model.get_weights()):
        np.testing.assert_array_equal(value, gold(case, f"w{i}"))
    return model


@pytest.mark.parametrize("case", CASES)
def test_eager_outputs_match_keras(case):
    model = _model(case)
    got = model(attention_cases.case_data(case))
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    want = _outputs(case)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == w.shape, f"output {i}"
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"{case}: output {i}")


@functools.lru_cache(maxsize=None)
def _traced(case):
    """The model's outputs and the gradients of sum_i sum(out_i * r_i), traced once."""
    model = _model(case)
    data = attention_cases.case_data(case)
    g = Graph("attention_case")
    with g:
        feeds = [g.placeholder(x.shape, "float32") for x in data]
        outs = model(feeds)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        r = attention_cases.cotangents(case, [o.shape for o in outs])
        terms = [bind("sum", bind("multiply", o, g.constant(ri)), axes=None)
                 for o, ri in zip(outs, r)]
        loss = functools.reduce(lambda a, b: bind("add", a, b), terms)
        wrt = feeds[:attention_cases.float_inputs(case)] + \
            [g.variable(w) for w in model.trainable_weights]
        grads = grad(loss, wrt)
    return outs + grads, dict(zip(feeds, data)), len(outs)


@pytest.mark.parametrize("case", CASES)
def test_traced_outputs_and_gradients_match_keras(backend, case):
    roots, feed, n_out = _traced(case)
    got = evaluate(roots, feed, backends.get(backend))
    for i, (g, w) in enumerate(zip(got[:n_out], _outputs(case))):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"{case}: output {i}")
    n_x = attention_cases.float_inputs(case)
    wanted = [gold(case, f"grad_x{i}") for i in range(n_x)]
    wanted += [gold(case, f"grad_w{i}") for i in range(len(got) - n_out - n_x)]
    assert len(got) - n_out == len(wanted) and f"{case}__grad_w{len(wanted) - n_x}" not in GOLD
    for i, (g, w) in enumerate(zip(got[n_out:], wanted)):
        what = f"input {i}" if i < n_x else f"weight {i - n_x}"
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4, err_msg=f"{case}: d/d {what}")


def _plain(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("case", CASES)
def test_weight_paths_and_configs_match_keras(case):
    layer = _model(case).get_layer("attention_layer")
    assert [w.path for w in layer.weights] == INFO[case]["weight_paths"]
    assert _plain(layer.get_config()) == INFO[case]["config"]
    assert _plain(layer.get_build_config()) == INFO[case]["build_config"]
    clone = type(layer).from_config(layer.get_config())
    clone.build_from_config(layer.get_build_config())
    assert [w.path for w in clone.weights] == [w.path for w in layer.weights]
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]


@pytest.mark.parametrize("masked", [False, True], ids=["plain", "mask_zero"])
def test_transformer_block_fits_like_keras(backend, masked):
    """3 epochs of fit from the same weights: predictions before (1e-5), per-epoch losses
    (1e-4), predictions after (1e-5) and the final weights (1e-4) equal real Keras's."""
    prefix = "transformer_masked" if masked else "transformer"
    out = attention_cases.run_transformer(fastkeras, masked)
    np.testing.assert_allclose(out["pred0"], GOLD[f"{prefix}__pred0"], rtol=1e-5, atol=1e-5,
                               err_msg="predictions before fit")
    np.testing.assert_allclose(out["loss"], GOLD[f"{prefix}__loss"], rtol=1e-4, atol=1e-4,
                               err_msg="per-epoch losses")
    np.testing.assert_allclose(out["pred"], GOLD[f"{prefix}__pred"], rtol=1e-5, atol=1e-5,
                               err_msg="predictions after fit")
    finals = sorted(k for k in out if k.startswith("final_w"))
    assert len(finals) == len([k for k in GOLD.files if k.startswith(f"{prefix}__final_w")])
    for key in finals:
        np.testing.assert_allclose(out[key], GOLD[f"{prefix}__{key}"], rtol=1e-4, atol=1e-4,
                                   err_msg=key)


def test_the_mask_changes_the_transformer():
    """The padded run is a different computation (the fixture's two runs differ)."""
    assert not np.allclose(GOLD["transformer__pred0"], GOLD["transformer_masked__pred0"])
