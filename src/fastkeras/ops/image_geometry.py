"""Geometric image ops (keras.ops.image affine_transform, map_coordinates,
perspective_transform), as Keras's JAX backend computes them; crops, pads and patches are
image_regions.py.

Sampling is jax.scipy.ndimage.map_coordinates with order 0 ("nearest": the coordinate
rounded half away from zero) or 1 ("bilinear": the two neighbours floor(c) and floor(c) + 1
weighted 1 - f and f): every neighbour's index is folded back into the input by the fill
mode (nearest: clamped, wrap: periodic, mirror: whole-sample symmetric, reflect: half-sample
symmetric), or, in "constant" mode, replaced by `fill_value` when it falls outside. The
neighbours are one `take` on the flattened input (the flat index is computed in float,
exact: float64 past 2**24 elements), so gradients reach the input (scatter_add) and, through
the bilinear weights, the coordinates; the fill and the rounding have none.

affine_transform samples image b at output pixel (y, x) from row b0*x + b1*y + b2 and column
a0*x + a1*y + a2 of Keras's 8-parameter transform [a0, a1, a2, b0, b1, b2, c0, c1]. Keras's
JAX and NumPy backends read c0 and c1 not as a projective divisor but as a shift of
c0 * channel rows and c1 * channel columns (their 3-D map_coordinates on (h, w, channel)):
fastkeras does the same, so that its numbers are Keras's; every Keras layer passes c0 = c1 =
0, and then the sampling is per pixel, all channels at once.

perspective_transform's homographies are solved in closed form (square-to-quad maps and a
3x3 adjugate: only arithmetic), so that RandomPerspective can draw its corners inside a
compiled step; Keras solves an 8x8 system (last-bit differences in the sample points)."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Tensor, Variable
from .arrays import stack
from .conv import standardize_data_format
from .core import convert, dtype_of, shape_of
from .elementwise_math import floor, floor_divide, mod, trunc, where
from .image_axes import check_image_rank, slice_axis
from .logic import logical_and
from .numpy import (absolute, add, cast, clip, divide, equal, expand_dims, greater_equal, less,
                    multiply, reshape, sign, squeeze, subtract, take, transpose)

__all__ = ["affine_transform", "map_coordinates", "perspective_transform"]

INTERPOLATION_ORDERS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_EXACT_FLOAT32 = 2 ** 24  # float32 holds every integer index below this


# ---- sampling (jax.scipy.ndimage.map_coordinates) ------------------------------------------
def _round_half_away(c):
    """lax.round: to the nearest integer, halves away from zero (exact: c - trunc(c) is)."""
    whole = trunc(c)
    return where(greater_equal(absolute(subtract(c, whole)), 0.5), add(whole, sign(c)), whole)


def _mirror(index, size):
    """Whole-sample symmetric index (jax's triangle wave of period 2 * (size - 1))."""
    if size == 1:
        return multiply(index, 0.0)
    s = float(size - 1)
    return absolute(subtract(mod(add(index, s), 2.0 * s), s))


def _fold(index, size, mode):
    """The input index that fill mode `mode` reads for the (float, integral) `index`."""
    if mode == "nearest":
        return clip(index, 0.0, float(size - 1))
    if mode == "wrap":
        return mod(index, float(size))
    if mode == "mirror":
        return _mirror(index, size)
    if mode == "reflect":  # half-sample symmetric: the mirror of the doubled grid, halved
        doubled = _mirror(add(multiply(index, 2.0), 1.0), 2 * size + 1)
        return floor_divide(subtract(doubled, 1.0), 2.0)
    return index  # constant: out-of-range neighbours are masked instead


def _axis_nodes(coordinate, size, order, mode):
    """[(index, weight or None, inside or None)] of one axis: the neighbours a coordinate
    reads, their interpolation weights and, in constant mode, whether they are inside."""
    if isinstance(coordinate, np.ndarray) and coordinate.dtype.kind in "iu":
        return [(coordinate, None, None)]  # an exact integer axis (batch, channel)
    if order == 0:
        nodes = [(_round_half_away(coordinate), None)]
    else:
        lower = floor(coordinate)
        upper_weight = subtract(coordinate, lower)
        nodes = [(lower, subtract(1.0, upper_weight)), (add(lower, 1.0), upper_weight)]
    out = []
    for index, weight in nodes:
        inside = None
        if mode == "constant":
            inside = logical_and(greater_equal(index, 0.0), less(index, float(size)))
        out.append((_fold(index, size, mode), weight, inside))
    return out


def _gather_index(indices, sizes):
    """The flat int32 row index of a neighbour: sum of index * stride, computed exactly in
    float, each index first clamped into its axis as XLA's gather clamps (a NaN index: 0)."""
    total = math.prod(sizes)
    dtype = "float32" if total <= _EXACT_FLOAT32 else "float64"
    flat, stride = None, 1
    for index, size in reversed(list(zip(indices, sizes))):
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu":
            term = (index * stride).astype(dtype)
        else:
            index = clip(index if dtype_of(index) == dtype else cast(index, dtype), 0.0,
                         float(size - 1))
            index = where(equal(index, index), index, 0.0)  # NaN coordinates: any row will do
            term = multiply(index, float(stride)) if stride != 1 else index
        flat = term if flat is None else add(flat, term)
        stride *= size
    return cast(flat, "int32")


def _sample(table, sizes, coordinates, order, mode, fill_value):
    """Interpolated rows of `table` (prod(sizes), *row): coordinates[d] (broadcastable
    arrays, or exact integer NumPy arrays) index axis d of the (*sizes) grid of rows. Gives
    (*coordinates' shape, *row) in the table's dtype (integers rounded half away from 0)."""
    dtype = dtype_of(table)
    integral = not dtype.startswith("float")
    if integral:
        fill_value = int(fill_value)  # jnp.asarray(cval, input.dtype)
        table = cast(table, "float32")
    row_rank = len(shape_of(table)) - 1
    per_axis = [_axis_nodes(c, n, order, mode) for c, n in zip(coordinates, sizes)]
    result = None
    for combination in _product(per_axis):
        indices, weights, insides = zip(*combination)
        value = take(table, _gather_index(indices, sizes), axis=0)
        inside = _all(i for i in insides if i is not None)
        if inside is not None:
            value = where(_trailing(inside, row_rank), value, float(fill_value))
        weight = _all((w for w in weights if w is not None), multiply)
        if weight is not None:
            value = multiply(_trailing(weight, row_rank), value)
        result = value if result is None else add(result, value)
    if integral:
        result = cast(_round_half_away(result), dtype)
    return result


def _product(per_axis):
    combos = [[]]
    for nodes in per_axis:
        combos = [c + [node] for c in combos for node in nodes]
    return combos


def _all(items, combine=logical_and):
    out = None
    for item in items:
        out = item if out is None else combine(out, item)
    return out


def _trailing(x, count):
    for _ in range(count):
        x = expand_dims(x, -1)
    return x


def _check_mode_and_order(fill_mode, order=None, interpolation=None):
    if interpolation is not None and interpolation not in INTERPOLATION_ORDERS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{set(INTERPOLATION_ORDERS)}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one "
                         f"{set(FILL_MODES)}. Received: fill_mode={fill_mode}")
    if order is not None and order not in (0, 1):
        raise ValueError(f"Invalid value for argument `order`. Expected one of [0, 1]. "
                         f"Received: order={order}")


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """keras.ops.image.map_coordinates: `inputs` (rank r) sampled at `coordinates`
    (r, *output shape), with spline order 0 or 1 and Keras's fill modes."""
    inputs = convert(inputs)
    if isinstance(coordinates, (list, tuple)) and coordinates and \
            all(isinstance(c, (Tensor, Variable)) for c in coordinates):
        from .arrays import stack  # a list of traced coordinate arrays
        coordinates = stack(list(coordinates))
    coordinates = convert(coordinates)
    shape, coordinate_shape = shape_of(inputs), shape_of(coordinates)
    if len(coordinate_shape) < 2:
        raise ValueError(f"Invalid coordinates rank: expected at least rank 2. Received "
                         f"input with shape: {tuple(coordinate_shape)}")
    if coordinate_shape[0] != len(shape):
        raise ValueError(f"First dim of `coordinates` must be the same as the rank of "
                         f"`inputs`. Received inputs with shape: {tuple(shape)} and "
                         f"coordinate leading dim of {coordinate_shape[0]}")
    _check_mode_and_order(fill_mode, order=order)
    if not dtype_of(coordinates).startswith("float"):
        coordinates = cast(coordinates, "float32")
    per_axis = [squeeze(slice_axis(coordinates, 0, d, d + 1), 0) for d in range(len(shape))]
    table = reshape(inputs, (max(math.prod(shape), 1),))
    return _sample(table, shape, per_axis, order, fill_mode, fill_value)


# ---- affine and perspective transforms -----------------------------------------------------
def _batched_channels_last(images, data_format):
    """(images as (B, H, W, C), undo): rank 3 gets a batch axis, channels_first is moved."""
    images = convert(images)
    check_image_rank(shape_of(images))
    single = len(shape_of(images)) == 3
    if single:
        images = expand_dims(images, 0)
    if data_format == "channels_first":
        images = transpose(images, (0, 2, 3, 1))

    def undo(out):
        if data_format == "channels_first":
            out = transpose(out, (0, 3, 1, 2))
        return squeeze(out, 0) if single else out
    return images, undo


def _columns(params, count, batch):
    """The `count` columns of (batch, count) `params` as (batch, 1, 1) arrays."""
    n = shape_of(params)[0]
    if n != batch:  # Keras's JAX backend fails in a reshape (TypeError) here
        raise ValueError(f"Expected one transform per image: got {n} transforms for "
                         f"{batch} images")
    return [reshape(slice_axis(params, 1, k, k + 1), (n, 1, 1)) for k in range(count)]


def _pixel_grid(height, width):
    return (np.arange(height, dtype=np.float32).reshape(1, height, 1),
            np.arange(width, dtype=np.float32).reshape(1, 1, width))


def _check_transform(transform):
    transform = convert(transform)
    if len(shape_of(transform)) not in (1, 2):
        raise ValueError(f"Invalid transform rank: expected rank 1 (single transform) or rank "
                         f"2 (batch of transforms). Received input with shape: "
                         f"transform.shape={tuple(shape_of(transform))}")
    if shape_of(transform)[-1] != 8:
        raise ValueError(f"Invalid transform: expected 8 parameters [a0, a1, a2, b0, b1, b2, "
                         f"c0, c1] per image. Received: transform.shape="
                         f"{tuple(shape_of(transform))}")
    if len(shape_of(transform)) == 1:
        transform = expand_dims(transform, 0)
    if not dtype_of(transform).startswith("float"):
        transform = cast(transform, "float32")
    return transform


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """keras.ops.image.affine_transform: images (rank 3 or 4) resampled through the
    transform(s) [a0, a1, a2, b0, b1, b2, c0, c1] (one per image) mapping each output
    pixel (x, y) to the input point (a0 x + a1 y + a2, b0 x + b1 y + b2)."""
    data_format = standardize_data_format(data_format)
    _check_mode_and_order(fill_mode, interpolation=interpolation)
    images = convert(images)
    check_image_rank(shape_of(images))
    transform = _check_transform(transform)
    # Keras's layers build affine transforms (c0 = c1 = 0); a constant one is seen here.
    projective = not (isinstance(transform, np.ndarray) and not transform[:, 6:].any())
    return apply_transform(images, transform, interpolation, fill_mode, fill_value,
                           data_format, projective)


def apply_transform(images, transform, interpolation, fill_mode, fill_value, data_format,
                    projective=True):
    """affine_transform of checked arguments; `projective=False` promises c0 = c1 = 0 (the
    augmentation layers' transforms) and samples whole pixels instead of single values."""
    images, undo = _batched_channels_last(images, data_format)
    batch, height, width, channels = shape_of(images)
    a0, a1, a2, b0, b1, b2, c0, c1 = _columns(transform, 8, batch)
    y, x = _pixel_grid(height, width)
    # Keras's einsum order: y * b1 + x * b0 (+ channel * c0), then the offset b2.
    rows = add(multiply(y, b1), multiply(x, b0))
    cols = add(multiply(y, a1), multiply(x, a0))
    b = np.arange(batch, dtype=np.int32).reshape(batch, 1, 1)
    order = INTERPOLATION_ORDERS[interpolation]
    if projective:
        ch = np.arange(channels, dtype=np.float32)
        rows = add(add(expand_dims(rows, -1), multiply(expand_dims(c0, -1), ch)),
                   expand_dims(b2, -1))
        cols = add(add(expand_dims(cols, -1), multiply(expand_dims(c1, -1), ch)),
                   expand_dims(a2, -1))
        rows, cols = (_broadcast(v, (batch, height, width, channels)) for v in (rows, cols))
        table = reshape(images, (batch * height * width * channels,))
        out = _sample(table, (batch, height, width, channels),
                      [b[..., None], rows, cols, np.arange(channels, dtype=np.int32)],
                      order, fill_mode, fill_value)
    else:
        rows = _broadcast(add(rows, b2), (batch, height, width))
        cols = _broadcast(add(cols, a2), (batch, height, width))
        table = reshape(images, (batch * height * width, channels))
        out = _sample(table, (batch, height, width), [b, rows, cols], order, fill_mode,
                      fill_value)
    return undo(out)


def _broadcast(x, shape):
    from .numpy import broadcast_to
    return x if tuple(shape_of(x)) == tuple(shape) else broadcast_to(x, shape)


def _cross(p, q, r, s):
    return subtract(multiply(p, q), multiply(r, s))


def _square_to_quad(points):
    """The 3x3 homography (9 (n,) entries, row-major, last 1) taking the unit square's
    corners (0, 0), (1, 0), (0, 1), (1, 1) to the (n, 4, 2) `points` (Heckbert's closed
    form: only arithmetic, so it traces with drawn points)."""
    (x0, y0), (x1, y1), (x3, y3), (x2, y2) = [
        [take(take(points, k, axis=1), a, axis=-1) for a in (0, 1)] for k in range(4)]
    sx, sy = add(subtract(x0, x1), subtract(x2, x3)), add(subtract(y0, y1), subtract(y2, y3))
    dx1, dx2, dy1, dy2 = subtract(x1, x2), subtract(x3, x2), subtract(y1, y2), subtract(y3, y2)
    den = _cross(dx1, dy2, dy1, dx2)
    g, h = divide(_cross(sx, dy2, sy, dx2), den), divide(_cross(dx1, sy, dy1, sx), den)
    a, b = add(subtract(x1, x0), multiply(g, x1)), add(subtract(x3, x0), multiply(h, x3))
    d, e = add(subtract(y1, y0), multiply(g, y1)), add(subtract(y3, y0), multiply(h, y3))
    return [a, b, x0, d, e, y0, g, h, 1.0]


def homographies(start_points, end_points):
    """(n, 8) homographies [t0..t7] mapping each end point (x, y) to its start point
    ((t0 x + t1 y + t2) / (t6 x + t7 y + 1), ...), as Keras's compute_homography_matrix:
    the square-to-start map after the inverse (adjugate) of the square-to-end map."""
    a, b, c, d, e, f, g, h, i = _square_to_quad(end_points)
    inverse = [_cross(e, i, f, h), _cross(c, h, b, i), _cross(b, f, c, e),
               _cross(f, g, d, i), _cross(a, i, c, g), _cross(c, d, a, f),
               _cross(d, h, e, g), _cross(b, g, a, h), _cross(a, e, b, d)]
    start = _square_to_quad(start_points)
    product = [add(add(multiply(start[3 * r], inverse[k]), multiply(start[3 * r + 1],
                                                                      inverse[3 + k])),
                   multiply(start[3 * r + 2], inverse[6 + k]))
               for r in range(3) for k in range(3)]
    return stack([divide(v, product[8]) for v in product[:8]], axis=1)


def warp_projective(images, transform, interpolation, fill_value, data_format):
    """images (rank 3 or 4) sampled, with constant fill, at the point that the (n, 8)
    homographies `transform` give each output pixel (x, y)."""
    images, undo = _batched_channels_last(images, data_format)
    batch, height, width, channels = shape_of(images)
    t = _columns(transform, 8, batch)
    y, x = _pixel_grid(height, width)
    denominator = add(add(multiply(t[6], x), multiply(t[7], y)), 1.0)
    cols = divide(add(add(multiply(t[0], x), multiply(t[1], y)), t[2]), denominator)
    rows = divide(add(add(multiply(t[3], x), multiply(t[4], y)), t[5]), denominator)
    shape = (batch, height, width)
    b = np.arange(batch, dtype=np.int32).reshape(batch, 1, 1)
    table = reshape(images, (batch * height * width, channels))
    out = _sample(table, shape, [b, _broadcast(rows, shape), _broadcast(cols, shape)],
                  INTERPOLATION_ORDERS[interpolation], "constant", fill_value)
    return undo(out)


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """keras.ops.image.perspective_transform: the 4 `start_points` (x, y) of each image are
    moved to `end_points` (both (4, 2), or (N, 4, 2)); constant fill."""
    data_format = standardize_data_format(data_format)
    _check_mode_and_order("constant", interpolation=interpolation)
    start, end = convert(start_points, "float32"), convert(end_points, "float32")
    for name, points in (("start_points", start), ("end_points", end)):
        shape = tuple(shape_of(points))
        if shape[-2:] != (4, 2) or len(shape) not in (2, 3):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: {shape}")
    if tuple(shape_of(start)) != tuple(shape_of(end)):
        raise ValueError(f"start_points and end_points must have the same shape. Received "
                         f"start_points.shape={tuple(shape_of(start))}, "
                         f"end_points.shape={tuple(shape_of(end))}")
    start, end = (reshape(p, (-1, 4, 2)) for p in (start, end))
    return warp_projective(images, homographies(start, end), interpolation, fill_value,
                           data_format)
