"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/image_color.py, against
NumPy references written from the textbook formulas (colorsys's HSV, a direct 2-D
cross-correlation with zero padding); Keras-JAX's own numbers are checked in
tests/ops/test_image_color.py."""

import colorsys

import numpy as np

_rng = np.random.default_rng(51)


def _rgb(*shape):
    return _rng.uniform(0.05, 0.95, size=shape)


def _last(fn):
    """A channels_last reference applied to channels_first data."""
    return lambda x: np.moveaxis(fn(np.moveaxis(x, -3, -1)), -1, -3)


def _gray(x):
    return (x @ np.array([0.2989, 0.5870, 0.1140]))[..., None]


def _pixelwise(fn, x):
    """fn(a, b, c) -> (a', b', c') on every pixel of channels_last x."""
    flat = x.reshape(-1, 3).astype(np.float64)
    return np.array([fn(*p) for p in flat]).reshape(x.shape).astype(x.dtype)


def _hsv(x):
    return _pixelwise(colorsys.rgb_to_hsv, x)


def _rgb_of_hsv(x):
    return _pixelwise(lambda h, s, v: colorsys.hsv_to_rgb(h % 1.0, s, v), x)


def _correlate_same(x, kernel):
    """Each channel of channels_last x (rank 3 or 4) cross-correlated with the 2-D kernel,
    zero padding, (k - 1) // 2 rows / columns before."""
    batched = x if x.ndim == 4 else x[None]
    kh, kw = kernel.shape
    padded = np.pad(batched, [(0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2),
                              (0, 0)])
    h, w = batched.shape[1:3]
    out = sum(kernel[i, j] * padded[:, i:i + h, j:j + w] for i in range(kh) for j in range(kw))
    return (out if x.ndim == 4 else out[0]).astype(x.dtype)


def _gauss(size, sigma):
    taps = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    return taps / taps.sum()


def _blur(kernel_size, sigma):
    """Keras-JAX's kernel: height taps from the second entries, width from the first."""
    kernel = np.outer(_gauss(kernel_size[1], sigma[1]), _gauss(kernel_size[0], sigma[0]))
    return lambda x: _correlate_same(x, kernel)


_SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64)


def _sobel(x):
    return np.stack([_correlate_same(x, _SOBEL_X.T), _correlate_same(x, _SOBEL_X)], -1)


def _sobel_first(x):
    return np.moveaxis(_sobel(np.moveaxis(x, 1, -1)), 3, 1)


_HSV_IN = np.stack([_rng.uniform(-0.9, 1.9, (2, 3, 4)), _rng.uniform(0.05, 0.95, (2, 3, 4)),
                    _rng.uniform(0.05, 0.95, (2, 3, 4))], -1)

TABLE = {
    "image.rgb_to_grayscale[last]": (
        lambda o, x: o.image.rgb_to_grayscale(x, data_format="channels_last"), _gray,
        [_rgb(2, 3, 4, 3)], True),
    "image.rgb_to_grayscale[first_single]": (
        lambda o, x: o.image.rgb_to_grayscale(x, data_format="channels_first"), _last(_gray),
        [_rgb(3, 4, 5)], True),
    "image.rgb_to_hsv[last]": (
        lambda o, x: o.image.rgb_to_hsv(x, data_format="channels_last"), _hsv,
        [_rgb(2, 3, 4, 3)], True),
    "image.rgb_to_hsv[first]": (
        lambda o, x: o.image.rgb_to_hsv(x, data_format="channels_first"), _last(_hsv),
        [_rgb(1, 3, 4, 5)], True),
    "image.hsv_to_rgb[last_wrapping_hue]": (
        lambda o, x: o.image.hsv_to_rgb(x, data_format="channels_last"), _rgb_of_hsv,
        [_HSV_IN], True),
    "image.hsv_to_rgb[first_single]": (
        lambda o, x: o.image.hsv_to_rgb(x, data_format="channels_first"), _last(_rgb_of_hsv),
        [np.ascontiguousarray(np.moveaxis(_HSV_IN[0], -1, 0))], True),
    "image.gaussian_blur[default]": (
        lambda o, x: o.image.gaussian_blur(x, data_format="channels_last"),
        _blur((3, 3), (1.0, 1.0)), [_rgb(2, 5, 6, 2)], True),
    "image.gaussian_blur[uneven_single]": (
        lambda o, x: o.image.gaussian_blur(x, (5, 3), (2.0, 0.7), "channels_last"),
        _blur((5, 3), (2.0, 0.7)), [_rgb(6, 7, 3)], True),
    "image.gaussian_blur[even_first]": (
        lambda o, x: o.image.gaussian_blur(x, (2, 4), (1.0, 1.5), "channels_first"),
        _last(_blur((2, 4), (1.0, 1.5))), [_rgb(1, 2, 5, 6)], True),
    "image.sobel_edges[last]": (
        lambda o, x: o.image.sobel_edges(x, data_format="channels_last"), _sobel,
        [_rgb(2, 4, 5, 2)], True),
    "image.sobel_edges[first]": (
        lambda o, x: o.image.sobel_edges(x, data_format="channels_first"), _sobel_first,
        [_rgb(1, 2, 4, 5)], True),
}
