"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/image_geometry.py.

The references sample point by point, as scipy.ndimage's documentation states the modes
(the real Keras numbers are in tests/ops/test_image_geometry.py)."""

import itertools
import math

import numpy as np

_rng = np.random.default_rng(54)


def _u(low, high, *shape):
    return _rng.uniform(low, high, size=shape)


def _fold(i, n, mode):
    """The index that fill mode `mode` reads for integer i on an axis of n (None: outside,
    constant mode)."""
    if mode == "constant":
        return i if 0 <= i < n else None
    if mode == "nearest":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    if mode == "mirror":  # ... 2 1 | 0 1 2 | 1 0 ...
        period = 2 * (n - 1)
        return 0 if n == 1 else (i % period if i % period < n else period - i % period)
    period = 2 * n  # reflect: ... 1 0 | 0 1 2 | 2 1 ...
    j = i % period
    return j if j < n else period - 1 - j


def _point(values, point, order, mode, cval):
    axes = []
    for c, n in zip(point, values.shape):
        if order == 0:
            axes.append([(math.floor(abs(c) + 0.5) * (1 if c >= 0 else -1), 1.0)])
        else:
            lo = math.floor(c)
            axes.append([(lo, 1.0 - (c - lo)), (lo + 1, c - lo)])
    total = 0.0
    for nodes in itertools.product(*axes):
        index = [_fold(i, n, mode) for (i, _), n in zip(nodes, values.shape)]
        value = cval if None in index else values[tuple(index)]
        total += math.prod(w for _, w in nodes) * value
    return total


def _map_ref(order, mode, cval=0.0):
    def ref(values, coordinates):
        flat = coordinates.reshape(len(coordinates), -1).T
        out = [_point(values, p, order, mode, cval) for p in flat]
        return np.array(out).reshape(coordinates.shape[1:])
    return ref


def _affine_ref(mode="constant", order=1, cval=0.0, channels_first=False):
    """Output pixel (y, x, channel k) of image b reads the input at row b0 x + b1 y + b2 +
    c0 k, column a0 x + a1 y + a2 + c1 k (Keras's jax and numpy backends)."""
    def ref(images, transform):
        single = images.ndim == 3
        x = images[None] if single else images
        x = np.moveaxis(x, 1, -1) if channels_first else x
        t = transform.reshape(-1, 8)
        out = np.zeros(x.shape)
        for b, y, xx, k in np.ndindex(*x.shape):
            a0, a1, a2, b0, b1, b2, c0, c1 = t[b]
            row = b0 * xx + b1 * y + b2 + c0 * k
            col = a0 * xx + a1 * y + a2 + c1 * k
            out[b, y, xx, k] = _point(x[b, :, :, k], (row, col), order, mode, cval)
        out = np.moveaxis(out, -1, 1) if channels_first else out
        return out[0] if single else out
    return ref


def _patches_ref(size, strides, channels_first=False):
    def ref(images):
        x = np.moveaxis(images, 1, -1) if channels_first else images
        rows = range(0, x.shape[1] - size[0] + 1, strides[0])
        cols = range(0, x.shape[2] - size[1] + 1, strides[1])
        out = np.array([[[x[b, i:i + size[0], j:j + size[1]].reshape(-1) for j in cols]
                         for i in rows] for b in range(x.shape[0])])
        return np.moveaxis(out, -1, 1) if channels_first else out
    return ref


_TRANSFORMS = np.array([[0.91, -0.34, 1.23, 0.29, 1.08, -0.63, 0.0, 0.0],
                        [1.21, 0.13, -2.41, -0.22, 0.77, 2.93, 0.0, 0.0]])
_PROJECTIVE = np.array([[0.93, 0.11, 0.26, -0.07, 1.04, 0.19, 0.041, -0.029]])
_START = np.array([[0, 0], [4, 0], [0, 3], [4, 3]], np.float32)
_END = np.array([[0.3, 0.2], [3.6, 0.4], [0.2, 3.3], [4.4, 2.7]], np.float32)


def _homography_ref(images):
    """perspective_transform as the (t0 x + t1 y + t2) / (t6 x + t7 y + 1) ... sampling."""
    sx, sy, ex, ey = _START[:, 0], _START[:, 1], _END[:, 0], _END[:, 1]
    a = np.zeros((8, 8))
    a[:4] = np.stack([ex, ey, np.ones(4), 0 * ex, 0 * ex, 0 * ex, -sx * ex, -sx * ey], 1)
    a[4:] = np.stack([0 * ex, 0 * ex, 0 * ex, ex, ey, np.ones(4), -sy * ex, -sy * ey], 1)
    t = np.linalg.solve(a, np.concatenate([sx, sy]))
    out = np.zeros(images.shape)
    for y, x, k in np.ndindex(*images.shape):
        d = t[6] * x + t[7] * y + 1
        point = ((t[3] * x + t[4] * y + t[5]) / d, (t[0] * x + t[1] * y + t[2]) / d)
        out[y, x, k] = _point(images[:, :, k], point, 1, "constant", 0.0)
    return out


TABLE = {
    "map_coordinates[linear_constant]": (
        lambda o, v, c: o.image.map_coordinates(v, c, 1, fill_value=0.5),
        _map_ref(1, "constant", 0.5), [_u(-2, 2, 4, 5), _u(-2.5, 6.5, 2, 3, 7)], True),
    "map_coordinates[linear_reflect]": (
        lambda o, v, c: o.image.map_coordinates(v, c, 1, "reflect"), _map_ref(1, "reflect"),
        [_u(-2, 2, 4, 5), _u(-6.5, 11.5, 2, 9)], True),
    "map_coordinates[linear_mirror_3d]": (
        lambda o, v, c: o.image.map_coordinates(v, c, 1, "mirror"), _map_ref(1, "mirror"),
        [_u(-2, 2, 3, 4, 2), _u(-5.5, 8.5, 3, 10)], True),
    "map_coordinates[linear_wrap]": (
        lambda o, v, c: o.image.map_coordinates(v, c, 1, "wrap"), _map_ref(1, "wrap"),
        [_u(-2, 2, 4, 5), _u(-7.5, 12.5, 2, 9)], True),
    "map_coordinates[nearest_nearest]": (
        lambda o, v, c: o.image.map_coordinates(v, c, 0, "nearest"), _map_ref(0, "nearest"),
        [_u(-2, 2, 4, 5), np.array([[-3.2, 0.49, 2.51, -0.5, 1.5, 5.7],
                                     [0.5, -1.5, 2.2, 6.4, 3.49, -0.51]])], False),
    "affine_transform[bilinear_constant]": (
        lambda o, x, t: o.image.affine_transform(x, t, fill_value=0.25),
        _affine_ref(cval=0.25), [_u(-2, 2, 2, 4, 5, 2), _TRANSFORMS], True),
    "affine_transform[bilinear_reflect_single]": (
        lambda o, x, t: o.image.affine_transform(x, t, fill_mode="reflect"),
        _affine_ref("reflect"), [_u(-2, 2, 4, 5, 2), _TRANSFORMS[1]], True),
    "affine_transform[nearest_wrap_channels_first]": (
        lambda o, x, t: o.image.affine_transform(x, t, "nearest", "wrap",
                                                 data_format="channels_first"),
        _affine_ref("wrap", 0, channels_first=True), [_u(-2, 2, 2, 2, 4, 5), _TRANSFORMS],
        False),
    "affine_transform[projective_mirror]": (
        lambda o, x, t: o.image.affine_transform(x, t, fill_mode="mirror"),
        _affine_ref("mirror"), [_u(-2, 2, 1, 4, 5, 3), _PROJECTIVE], True),
    "perspective_transform": (
        lambda o, x: o.image.perspective_transform(x, _START, _END),
        _homography_ref, [_u(-2, 2, 4, 5, 2)], True),
    "crop_images": (
        lambda o, x: o.image.crop_images(x, top_cropping=1, target_height=2, left_cropping=2,
                                         right_cropping=1),
        lambda x: x[:, 1:3, 2:-1], [_u(-2, 2, 2, 4, 6, 2)], True),
    "crop_images[channels_first_single]": (
        lambda o, x: o.image.crop_images(x, bottom_cropping=1, target_height=2,
                                         left_cropping=0, target_width=3,
                                         data_format="channels_first"),
        lambda x: x[:, 1:3, 0:3], [_u(-2, 2, 2, 4, 6)], True),
    "pad_images": (
        lambda o, x: o.image.pad_images(x, 1, 2, target_height=6, target_width=5),
        lambda x: np.pad(x, [(0, 0), (1, 1), (2, 0), (0, 0)]), [_u(-2, 2, 2, 4, 3, 2)], True),
    "pad_images[channels_first_single]": (
        lambda o, x: o.image.pad_images(x, bottom_padding=2, target_height=5,
                                        right_padding=1, left_padding=0,
                                        data_format="channels_first"),
        lambda x: np.pad(x, [(0, 0), (1, 2), (0, 1)]), [_u(-2, 2, 2, 2, 3)], True),
    "extract_patches": (
        lambda o, x: o.image.extract_patches(x, (2, 3)),
        _patches_ref((2, 3), (2, 3)), [_u(-2, 2, 2, 5, 7, 2)], True),
    "extract_patches[strided_channels_first]": (
        lambda o, x: o.image.extract_patches(x, 2, strides=1, data_format="channels_first"),
        _patches_ref((2, 2), (1, 1), channels_first=True), [_u(-2, 2, 1, 3, 4, 5)], True),
    "extract_patches_3d": (
        lambda o, x: o.image.extract_patches_3d(x, (2, 1, 2)),
        lambda x: x.reshape(1, 2, 2, 3, 1, 2, 2, 2).transpose(0, 1, 3, 5, 2, 4, 6, 7)
        .reshape(1, 2, 3, 2, 8), [_u(-2, 2, 1, 4, 3, 4, 2)], True),
}
