"""keras.utils image helpers (Pillow is installed in the dev venv)."""

import numpy as np
import pytest

from fastkeras import utils


def test_img_to_array_layouts_and_dtype():
    gray = np.arange(6, dtype="uint8").reshape(2, 3)
    assert utils.img_to_array(gray).shape == (2, 3, 1)
    assert utils.img_to_array(gray, data_format="channels_first").shape == (1, 2, 3)
    rgb = np.arange(24).reshape(2, 4, 3)
    out = utils.img_to_array(rgb, data_format="channels_first", dtype="int32")
    assert out.dtype == np.int32 and out.shape == (3, 2, 4) and out[1, 0, 2] == rgb[0, 2, 1]
    assert utils.img_to_array(rgb).dtype == np.float32
    with pytest.raises(ValueError, match="Unsupported image shape"):
        utils.img_to_array(np.zeros(4))


def test_round_trip_through_a_png(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype("float32")
    path = tmp_path / "img.png"
    utils.save_img(str(path), x, scale=False)
    back = utils.img_to_array(utils.load_img(str(path)))
    np.testing.assert_array_equal(back, x)
    small = utils.load_img(path, color_mode="grayscale", target_size=(2, 3))
    assert small.size == (3, 2) and small.mode == "L"


def test_array_to_img_scales_to_bytes():
    img = utils.array_to_img(np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    assert img.mode == "L"
    assert np.asarray(img).tolist() == [[0, 127], [255, 63]]
    with pytest.raises(ValueError, match="Unsupported channel number"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))


def test_missing_pillow_names_the_install(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match="pip install pillow"):
        utils.load_img("anything.png")


def test_load_img_bad_arguments(tmp_path):
    utils.save_img(str(tmp_path / "a.png"), np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(str(tmp_path / "a.png"), color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation"):
        utils.load_img(str(tmp_path / "a.png"), target_size=(3, 3), interpolation="magic")
    with pytest.raises(TypeError, match="path should be path-like"):
        utils.load_img(3)
