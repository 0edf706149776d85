"""The checks shared by test_group_normalization.py and test_spectral_normalization.py: a
layer or model of tests/fixtures/normalization_cases.py against real Keras's numbers
(keras_normalization.npz / .json, from make_keras_normalization.py)."""

import json
import os
import re

import numpy as np

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from tests.fixtures import normalization_cases as cases

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
GOLD = np.load(os.path.join(HERE, "keras_normalization.npz"), allow_pickle=False)
RECORD = json.load(open(os.path.join(HERE, "keras_normalization.json")))
INFO, ERRORS = RECORD["layers"], RECORD["errors"]


def gold(name, key):
    return GOLD[f"{name}__{key}"]


def built_layer(name):
    layer = cases.make_layer(keras, name)
    layer.build(cases.LAYERS[name][2])
    layer.set_weights([gold(name, f"w{i}") for i in range(len(layer.weights))])
    return layer


def traced(layer, x, r, **call_kwargs):
    """(graph, y, [d sum(y * r) / d x, then / d each trainable weight]) of one traced call."""
    g = Graph("normalization_case")
    with g:
        ph = g.placeholder(x.shape, "float32")
        y = layer(ph, **call_kwargs)
        loss = bind("sum", bind("multiply", y, g.constant(r)), axes=None)
        grads = grad(loss, [ph] + [g.variable(w) for w in layer.trainable_weights])
    return g, ph, y, grads


def check_traced(name, backend, prefix="", **call_kwargs):
    """The traced output (1e-5) and gradients (1e-4) on `backend` against Keras's `prefix`
    record; returns the graph and its placeholder for further values."""
    layer = built_layer(name)
    x, r = gold(name, "x"), gold(name, "r")
    g, ph, y, grads = traced(layer, x, r, **call_kwargs)
    values = evaluate([y] + grads, {ph: x}, backends.get(backend))
    np.testing.assert_allclose(values[0], gold(name, prefix + "y"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: traced output")
    n = len(layer.trainable_weights)
    assert f"{name}__{prefix}grad_w{n}" not in GOLD.files, f"{name}: Keras has more weights"
    wanted = [gold(name, prefix + "grad_x")] + [gold(name, f"{prefix}grad_w{i}")
                                               for i in range(n)]
    for i, (got, want) in enumerate(zip(values[1:], wanted)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4,
                                   err_msg=f"{name}: {prefix}gradient {i} (0 = input)")
    return g, ph


def check_description(name):
    """Weight names and paths (the layer's own auto-numbered name aside), the output shape
    and the configs before and after the build equal Keras's; from_config round-trips."""
    info = INFO[name]
    fresh = cases.make_layer(keras, name)
    assert _comparable(fresh.get_config()) == _comparable(info["config_unbuilt"])
    layer = built_layer(name)
    assert [w.name for w in layer.weights] == info["weight_names"]
    assert [w.name for w in layer.trainable_weights] == info["trainable_names"]
    assert [w.path.split("/", 1)[1] for w in layer.weights] == \
        [p.split("/", 1)[1] for p in info["weight_paths"]]
    shape = (None,) + cases.LAYERS[name][2][1:]
    assert list(layer.compute_output_shape(shape)) == info["output_shape"]
    assert _comparable(layer.get_config()) == _comparable(info["config"])
    clone = type(layer).from_config(layer.get_config())
    assert _comparable(clone.get_config()) == _comparable(layer.get_config())


def _comparable(config):
    """A config as JSON gives it back, without the auto-numbered top-level name."""
    config = json.loads(json.dumps(config))
    config.pop("name")
    return config


def check_model_fit(name):
    """3 epochs of fit from the same weights: per-epoch losses (1e-4), predictions (1e-5)
    and the final weights (1e-4) equal real Keras's."""
    out = cases.run_model(keras, name)
    np.testing.assert_allclose(out["loss"], gold(name, "loss"), rtol=1e-4, atol=1e-4,
                               err_msg=f"{name}: per-epoch losses")
    np.testing.assert_allclose(out["pred"], gold(name, "pred"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: predictions")
    finals = sorted(k for k in out if k.startswith("final_w"))
    assert finals == sorted(k.split("__")[1] for k in GOLD.files
                            if k.startswith(f"{name}__final_w"))
    for key in finals:
        np.testing.assert_allclose(out[key], gold(name, key), rtol=1e-4, atol=1e-4,
                                   err_msg=f"{name}: {key}")


def check_error(name):
    """The same exception type as Keras, with Keras's message (layer names aside)."""
    want = ERRORS[name]
    try:
        cases.ERRORS[name](keras)
    except Exception as e:  # noqa: BLE001 - the type is compared below
        assert type(e).__name__ == want["type"], f"{name}: {type(e).__name__}: {e}"
        assert _unnamed(str(e)) == _unnamed(want["message"]), name
        return
    raise AssertionError(f"{name}: nothing raised (Keras: {want['type']})")


def _unnamed(message):
    return re.sub(r"layer '[a-z_0-9]+'", "layer '<name>'", message)
