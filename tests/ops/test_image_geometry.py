"""keras.ops.image's geometric ops against real Keras-JAX numbers
(tests/fixtures/make_keras_image_geometry.py): outputs eagerly and traced on every backend,
the gradient with respect to the images, symbolic shapes, and Keras's errors."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from tests.fixtures import image_geometry_cases as cases
from tests.layers.test_random_geometric import GOLD


def _case(name):
    op_name, kwargs, _ = cases.OPS[name]
    keys = {k.split("__", 1)[1] for k in GOLD.files if k.startswith(name + "__")}
    inputs = {k: GOLD[f"{name}__{k}"] for k in keys - {"y", "r", "grad_images"}}
    return getattr(keras.ops.image, op_name), kwargs, inputs


@pytest.mark.parametrize("name", sorted(cases.OPS))
def test_eager_output_matches_keras(backend, name):
    op, kwargs, inputs = _case(name)
    y, want = np.asarray(op(**inputs, **kwargs)), GOLD[f"{name}__y"]
    assert y.dtype == want.dtype and y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=2e-6 if name != "perspective" else 1e-5)


@pytest.mark.parametrize("name", sorted(n for n in cases.OPS if f"{n}__grad_images" in GOLD))
def test_traced_output_and_image_gradient_match_keras(backend, name):
    op, kwargs, inputs = _case(name)
    image_arg = next(k for k in cases.IMAGE_ARGS if k in inputs)
    x = inputs.pop(image_arg)
    g = Graph("image_geometry")
    with g:
        ph = g.placeholder(x.shape, "float32")
        y = op(**{image_arg: ph}, **inputs, **kwargs)
        loss = bind("sum", bind("multiply", y, g.constant(GOLD[f"{name}__r"])), axes=None)
        (grad_x,) = grad(loss, [ph])
    y_value, grad_value = evaluate([y, grad_x], {ph: x}, backends.get(backend))
    np.testing.assert_allclose(y_value, GOLD[f"{name}__y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_value, GOLD[f"{name}__grad_images"], rtol=1e-5, atol=1e-5)


def test_ops_build_functional_models():
    inputs = keras.Input((5, 6, 3))
    transformed = keras.ops.image.affine_transform(inputs, np.array([[1, 0, 1, 0, 1, 0, 0, 0]] * 2,
                                                                    "float32"))
    patches = keras.ops.image.extract_patches(inputs, 2)
    assert tuple(transformed.shape) == (None, 5, 6, 3)
    assert tuple(patches.shape) == (None, 2, 3, 12)


@pytest.mark.parametrize("call, error, words", [
    (lambda o, x: o.affine_transform(x, np.zeros(8), interpolation="cubic"), ValueError,
     "interpolation"),
    (lambda o, x: o.affine_transform(x, np.zeros(8), fill_mode="edge"), ValueError,
     "fill_mode"),
    (lambda o, x: o.affine_transform(x[0, 0], np.zeros(8)), ValueError, "images rank"),
    (lambda o, x: o.affine_transform(x, np.zeros((1, 1, 8))), ValueError, "transform rank"),
    (lambda o, x: o.affine_transform(x, np.zeros((3, 8))), ValueError, "one transform per"),
    (lambda o, x: o.map_coordinates(x, np.zeros((3, 4)), 1), ValueError, "First dim"),
    (lambda o, x: o.map_coordinates(x, np.zeros((4, 2)), 3), ValueError, "order"),
    (lambda o, x: o.map_coordinates(x, np.zeros(4), 1), ValueError, "coordinates rank"),
    (lambda o, x: o.crop_images(x, top_cropping=1, bottom_cropping=1, target_height=2,
                                left_cropping=0, target_width=2), ValueError, "exactly two"),
    (lambda o, x: o.pad_images(x, top_padding=-1, bottom_padding=0, left_padding=0,
                               right_padding=0), ValueError, "top_padding must be >= 0"),
    (lambda o, x: o.pad_images(x, top_padding=9, target_height=4, left_padding=0,
                               right_padding=0), ValueError, "bottom_padding must be >= 0"),
    (lambda o, x: o.extract_patches(x, (1, 2, 3, 4)), TypeError, "size"),
    (lambda o, x: o.perspective_transform(x, np.zeros((3, 2)), np.zeros((4, 2))), ValueError,
     "start_points"),
])
def test_bad_arguments_raise_keras_errors(call, error, words):
    x = np.zeros((2, 4, 5, 3), "float32")
    with pytest.raises(error, match=words):
        call(keras.ops.image, x)
