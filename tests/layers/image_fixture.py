"""The checks shared by test_image_preprocessing.py and test_adaptive_pooling.py: a layer of
tests/fixtures/image_layer_cases.py against real Keras's numbers (keras_image_layers.npz /
.json)."""

import json
import os

import numpy as np

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from tests.fixtures import image_layer_cases as cases

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
GOLD = np.load(os.path.join(HERE, "keras_image_layers.npz"), allow_pickle=False)
INFO = json.load(open(os.path.join(HERE, "keras_image_layers.json")))["layers"]


def gold(name, key):
    return GOLD[f"{name}__{key}"]


def names(*class_names):
    return sorted(n for n, (cls, _, _) in cases.LAYERS.items() if cls in class_names)


def check_against_keras(name, backend):
    """Eager output (1e-5), traced output (1e-5) and the gradient of sum(y * r) with
    respect to the input (1e-4), on `backend`."""
    layer = cases.make_layer(keras, name)
    x, r = gold(name, "x"), gold(name, "r")
    np.testing.assert_allclose(np.asarray(layer(x)), gold(name, "y"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: eager output")
    g = Graph("image_case")
    with g:
        ph = g.placeholder(x.shape, "float32")
        y = layer(ph)
        loss = bind("sum", bind("multiply", y, g.constant(r)), axes=None)
        (grad_x,) = grad(loss, [ph])
    y_value, grad_value = evaluate([y, grad_x], {ph: x}, backends.get(backend))
    np.testing.assert_allclose(y_value, gold(name, "y"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: traced output")
    np.testing.assert_allclose(grad_value, gold(name, "grad_x"), rtol=1e-4, atol=1e-4,
                               err_msg=f"{name}: input gradient")


def check_description(name):
    """compute_output_shape (batch None; unbatched shapes as they are) and the config
    (its name aside: it counts the layers made before) equal Keras's; from_config
    round-trips it."""
    layer = cases.make_layer(keras, name)
    shape = layer.compute_output_shape(cases.shape_query(name))
    assert [-1 if d is None else d for d in shape] == gold(name, "output_shape").tolist()
    ours = json.loads(json.dumps(layer.get_config()))
    theirs = dict(INFO[name]["config"])
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    clone = type(layer).from_config(layer.get_config())
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(layer.get_config()))
