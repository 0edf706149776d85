"""The check shared by test_einsum_dense.py and test_grouped_query_attention.py: a model of
tests/fixtures/einsum_cases.py against real Keras's numbers (keras_einsum.npz / .json)."""

import functools
import json
from pathlib import Path

import numpy as np

import fastkeras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from tests.fixtures import einsum_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
GOLD = np.load(HERE / "keras_einsum.npz")
INFO = json.loads((HERE / "keras_einsum.json").read_text())["layers"]


def gold(case, key):
    return GOLD[f"{case}__{key}"]


def plain(value):
    return json.loads(json.dumps(value))


def _outputs(case):
    return [gold(case, f"out{i}") for i in range(int(gold(case, "n_outputs")))]


def case_model(case):
    """The case's fastkeras model, with Keras's start weights (checked)."""
    make = einsum_cases.dense_model if case in einsum_cases.DENSE else einsum_cases.gqa_model
    model = make(fastkeras, case)
    weights = model.get_weights()
    assert f"{case}__w{len(weights)}" not in GOLD
    for i, value in enumerate(weights):
        np.testing.assert_array_equal(value, gold(case, f"w{i}"))
    return model


def case_data(case):
    if case in einsum_cases.DENSE:
        return einsum_cases.dense_data(case)
    return einsum_cases.gqa_data(case)


def n_float_inputs(case):
    return 1 if case in einsum_cases.DENSE else len(einsum_cases.GQA[case]["shapes"])


def check_eager(case):
    got = case_model(case)(case_data(case))
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    want = _outputs(case)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == w.shape, f"{case}: output {i}"
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"{case}: output {i}")


@functools.lru_cache(maxsize=None)
def _traced(case):
    """The model's outputs and the gradients of sum_i sum(out_i * r_i), traced once."""
    model = case_model(case)
    data = case_data(case)
    g = Graph("einsum_case")
    with g:
        feeds = [g.placeholder(x.shape, "float32") for x in data]
        outs = model(feeds if len(feeds) > 1 else feeds[0])
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        r = einsum_cases.cotangents(case, [o.shape for o in outs])
        terms = [bind("sum", bind("multiply", o, g.constant(ri)), axes=None)
                 for o, ri in zip(outs, r)]
        loss = functools.reduce(lambda a, b: bind("add", a, b), terms)
        wrt = feeds[:n_float_inputs(case)] + [g.variable(w) for w in model.trainable_weights]
        grads = grad(loss, wrt)
    return outs + grads, dict(zip(feeds, data)), len(outs)


def check_traced_and_gradients(case, backend):
    roots, feed, n_out = _traced(case)
    got = evaluate(roots, feed, backends.get(backend))
    for i, (g, w) in enumerate(zip(got[:n_out], _outputs(case))):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=f"{case}: output {i}")
    n_x = n_float_inputs(case)
    wanted = [gold(case, f"grad_x{i}") for i in range(n_x)]
    wanted += [gold(case, f"grad_w{i}") for i in range(len(got) - n_out - n_x)]
    assert len(got) - n_out == len(wanted) and f"{case}__grad_w{len(wanted) - n_x}" not in GOLD
    for i, (g, w) in enumerate(zip(got[n_out:], wanted)):
        what = f"input {i}" if i < n_x else f"weight {i - n_x}"
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4, err_msg=f"{case}: d/d {what}")


def check_description(case, input_shapes):
    """Weight paths and shapes, config, compute_output_shape, and a clone from the config
    built from the build config."""
    layer = case_model(case).get_layer("case_layer")
    info = INFO[case]
    assert [w.path for w in layer.weights] == info["weight_paths"]
    assert [list(w.shape) for w in layer.weights] == info["weight_shapes"]
    assert plain(layer.get_config()) == info["config"]
    assert list(layer.compute_output_shape(*input_shapes)) == info["output_shape"]
    clone = type(layer).from_config(layer.get_config())
    clone.build_from_config(layer.get_build_config())
    assert [w.path.split("/", 1)[1] for w in clone.weights] == \
        [w.path.split("/", 1)[1] for w in layer.weights]
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]
