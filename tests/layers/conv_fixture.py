"""The check shared by test_convolutional.py and test_pooling.py: a layer of
tests/fixtures/conv_cases.py against real Keras's numbers (keras_conv.npz / .json)."""

import json
import os

import numpy as np

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from tests.fixtures import conv_cases

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
GOLD = np.load(os.path.join(HERE, "keras_conv.npz"), allow_pickle=False)
INFO = json.load(open(os.path.join(HERE, "keras_conv.json")))["layers"]


def gold(name, key):
    return GOLD[f"{name}__{key}"]


def built_layer(name):
    layer = conv_cases.make_layer(keras, name)
    layer.build(conv_cases.LAYERS[name][2])
    n = len(layer.weights)
    layer.set_weights([gold(name, f"w{i}") for i in range(n)])
    return layer


def check_against_keras(name, backend):
    """Eager output (1e-5), traced output and the gradients of sum(y * r) w.r.t. the input
    and every weight (1e-4), on `backend`."""
    layer = built_layer(name)
    x, r = gold(name, "x"), gold(name, "r")
    np.testing.assert_allclose(np.asarray(layer(x)), gold(name, "y"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: eager output")
    g = Graph("conv_case")
    with g:
        ph = g.placeholder(x.shape, "float32")
        y = layer(ph)
        loss = bind("sum", bind("multiply", y, g.constant(r)), axes=None)
        grads = grad(loss, [ph] + [g.variable(w) for w in layer.weights])
    values = evaluate([y] + grads, {ph: x}, backends.get(backend))
    np.testing.assert_allclose(values[0], gold(name, "y"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: traced output")
    wanted = [gold(name, "grad_x")] + [gold(name, f"grad_w{i}")
                                      for i in range(len(layer.weights))]
    assert len(values) - 1 == len(wanted)
    for i, (got, want) in enumerate(zip(values[1:], wanted)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4,
                                   err_msg=f"{name}: gradient {i} (0 = input)")


def check_description(name):
    """Weight names, symbolic output shape, compute_output_shape and config (the name
    aside: it counts layers made before) equal Keras's."""
    layer = built_layer(name)
    assert [w.name for w in layer.weights] == INFO[name]["weight_names"]
    np.testing.assert_array_equal(conv_cases.symbolic_shape(keras, name),
                                  gold(name, "symbolic_shape"))
    shape = (None,) + conv_cases.LAYERS[name][2][1:]
    assert list(layer.compute_output_shape(shape)) == [
        None if d == -1 else int(d) for d in gold(name, "symbolic_shape")]
    ours = json.loads(json.dumps(layer.get_config()))
    theirs = dict(INFO[name]["config"])
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    clone = type(layer).from_config(layer.get_config())
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(layer.get_config()))
