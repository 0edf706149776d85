"""Bad input to the padding, cropping, upsampling and global pooling layers and to ops.pad:
Keras's exception types, messages naming the problem (their numbers: test_shape_layers.py)."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops

L = keras.layers


@pytest.mark.parametrize("make, match", [
    (lambda: L.ZeroPadding1D(-1), "value >= 0"),
    (lambda: L.ZeroPadding1D((1, 2, 3)), "tuple of 2 integers"),
    (lambda: L.ZeroPadding2D((1, 2, 3)), "should have 2 elements"),
    (lambda: L.ZeroPadding2D(((1, 2), (1, -1))), "2nd entry of padding"),
    (lambda: L.Cropping2D(-2), "cannot be negative"),
    (lambda: L.Cropping2D("x"), "should have 2 elements"),
    (lambda: L.Cropping3D(((1, 1), (1, 1))), "should have 3 elements"),
    (lambda: L.UpSampling1D(0), "positive integer"),
    (lambda: L.UpSampling2D((2, 0)), "size"),
    (lambda: L.GlobalAveragePooling2D(data_format="channels_middle"), "data_format"),
])
def test_bad_arguments_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_upsampling_refusals():
    with pytest.raises(TypeError, match="integer value for `size`"):
        L.UpSampling1D(2.0)
    with pytest.raises(NotImplementedError, match="bicubic"):
        L.UpSampling2D(interpolation="bicubic")


@pytest.mark.parametrize("layer, shape", [
    (L.Cropping1D((2, 3)), (None, 5, 2)),
    (L.Cropping2D(((1, 1), (0, 0))), (None, 2, 4, 1)),
])
def test_cropping_everything_is_refused(layer, shape):
    with pytest.raises(ValueError, match="cropping"):
        layer(keras.Input(shape[1:]))
    with pytest.raises(ValueError, match="cropping"):
        layer(np.zeros((1,) + shape[1:], np.float32))


@pytest.mark.parametrize("layer", [L.ZeroPadding2D(), L.Cropping2D(), L.UpSampling2D(),
                                   L.GlobalMaxPooling2D(), L.GlobalAveragePooling1D()])
def test_wrong_rank_names_the_expected_rank(layer):
    with pytest.raises(ValueError, match="expected .*ndim="):
        layer(keras.Input((3, 4, 5, 6)))


def test_pad_arguments():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(ops.pad(x, 1), np.pad(x, 1))
    np.testing.assert_array_equal(ops.pad(x, ((0, 1), (2, 0)), mode="edge"),
                                  np.pad(x, ((0, 1), (2, 0)), mode="edge"))
    np.testing.assert_array_equal(ops.pad(x, (1, 2), mode="wrap"), np.pad(x, (1, 2), "wrap"))
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(x, 1, mode="reflect", constant_values=2.0)
    with pytest.raises(ValueError, match="same length as `x.shape`"):
        ops.pad(x, ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        ops.pad(x, -1)
    with pytest.raises(NotImplementedError, match="linear_ramp"):
        ops.pad(x, 1, mode="linear_ramp")


def test_pad_on_keras_tensors_records_a_pad_op():
    inp = keras.Input((3,))
    model = keras.Model(inp, ops.pad(inp, ((0, 0), (1, 2)), constant_values=-1.0))
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0),
                                  np.pad(x, ((0, 0), (1, 2)), constant_values=-1.0))
    entry = [e for e in model.get_config()["layers"] if e["class_name"] == "Pad"][0]
    assert entry["config"]["mode"] == "constant"
    again = keras.Model.from_config(model.get_config())
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
