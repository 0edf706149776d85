"""im2col / col2im beyond the registry walk (op_cases.py): the threaded native kernels on
W4-sized inputs, the two being each other's transpose on every backend, the patch layout
against a loop written out entry by entry, clear errors for bad geometry, and convolutions
built on them (channels_last, no transpose or concatenate in the graph)."""

import itertools

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.eager import run_eager
from fastkeras.graph.primitive import canonical_attrs, get


def _run(name, backend, ins, **attrs):
    prim = get(name)
    return run_eager(prim, ins, canonical_attrs(prim, attrs), backend)


def _attrs(k, s, d, p):
    return dict(kernel_size=k, strides=s, dilation=d, padding=p)


def _patches_by_loop(x, k, s, d, p):
    """patches[n, o, j*C:(j+1)*C] = x[n, o*s + offset_j*d - before] (zeros off the input)."""
    spatial, channels = x.shape[1:-1], x.shape[-1]
    out = [(L + b + a - (di * (ki - 1) + 1)) // si + 1
           for L, ki, si, di, (b, a) in zip(spatial, k, s, d, p)]
    want = np.zeros([x.shape[0]] + out + [int(np.prod(k)) * channels], x.dtype)
    for o in itertools.product(*(range(v) for v in out)):
        for j, offset in enumerate(itertools.product(*(range(v) for v in k))):
            pos = [oi * si + i * di - b for oi, si, i, di, (b, _) in zip(o, s, offset, d, p)]
            if all(0 <= q < L for q, L in zip(pos, spatial)):
                want[(slice(None),) + o + (slice(j * channels, (j + 1) * channels),)] = \
                    x[(slice(None),) + tuple(pos) + (slice(None),)]
    return want


SMALL = [  # input shape, kernel, strides, dilation, padding; the native kernels copy runs of
    # k_last * C <= 16 values column-wise inside the input, wider ones run by run
    ((2, 6, 5, 3), (3, 2), (2, 1), (1, 2), ((1, 2), (0, 1))),
    ((1, 9, 2), (4,), (3,), (2,), ((5, 1),)),
    ((2, 3, 4, 5, 1), (2, 2, 3), (1, 2, 1), (2, 1, 1), ((0, 1), (1, 0), (1, 1))),
    ((2, 5, 7, 6), (2, 3), (1, 2), (1, 1), ((1, 0), (1, 1))),   # wide runs
    ((1, 6, 9, 4), (2, 5), (1, 1), (1, 2), ((0, 1), (3, 2))),   # wide, dilated last axis
]


@pytest.mark.parametrize("shape, k, s, d, p", SMALL)
def test_patch_layout_and_transpose_on_every_backend(backend, shape, k, s, d, p):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    b = backends.get(backend)
    patches, = _run("im2col", b, [x], **_attrs(k, s, d, p))
    np.testing.assert_array_equal(patches, _patches_by_loop(x, k, s, d, p))
    # col2im is im2col's transpose: <im2col(x), g> == <x, col2im(g)>.
    g = rng.standard_normal(patches.shape)
    dx, = _run("col2im", b, [g], spatial=shape[1:-1], **_attrs(k, s, d, p))
    assert dx.shape == x.shape
    np.testing.assert_allclose(np.vdot(patches, g), np.vdot(x, dx), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, k, s, d, p", [
    ((16, 28, 28, 1), (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0))),   # W4's first conv
    ((8, 13, 13, 32), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),   # 'same', 32 channels
    ((4, 15, 12, 6), (5, 4), (2, 3), (2, 1), ((3, 2), (1, 2))),    # dilation, even kernel
    ((3, 40, 5), (7,), (1,), (3,), ((18, 0),)),                    # causal-style, 1-D
])
def test_native_kernels_match_the_reference_on_large_inputs(dtype, shape, k, s, d, p):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(dtype)
    ref = backends.get("reference")
    attrs = _attrs(k, s, d, p)
    patches_ref, = _run("im2col", ref, [x], **attrs)
    g = rng.standard_normal(patches_ref.shape).astype(dtype)
    dx_ref, = _run("col2im", ref, [g], spatial=shape[1:-1], **attrs)
    for name in ("cpu", "numba"):
        if not backends.available(name):
            continue
        b = backends.get(name)
        patches, = _run("im2col", b, [x], **attrs)
        np.testing.assert_array_equal(patches, patches_ref)
        dx, = _run("col2im", b, [g], spatial=shape[1:-1], **attrs)
        tol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(dx, dx_ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("attrs, message", [
    (_attrs((5, 3), (1, 1), (1, 1), ((0, 0), (0, 0))), "larger than the padded input"),
    (_attrs((3, 3), (1, 1), (2, 2), ((0, 0), (1, 1))), "larger than the padded input"),
    (_attrs((3, 3), (0, 1), (1, 1), ((0, 0), (0, 0))), "must be positive"),
    (_attrs((3, 3), (1, 1), (1, 1), ((-1, 0), (0, 0))), "non-negative"),
    (_attrs((3,), (1,), (1,), ((0, 0),)), "one entry per spatial axis"),
])
def test_bad_geometry_is_a_value_error(attrs, message):
    x = np.zeros((1, 4, 5, 2), np.float32)
    with pytest.raises(ValueError, match=message):
        _run("im2col", backends.get("reference"), [x], **attrs)


def test_col2im_refuses_patches_of_another_geometry():
    g = np.zeros((1, 3, 3, 17), np.float32)  # 17 is not a multiple of 9 offsets
    with pytest.raises(ValueError, match="do not fit"):
        _run("col2im", backends.get("reference"), [g], spatial=(5, 5),
             **_attrs((3, 3), (1, 1), (1, 1), ((0, 0), (0, 0))))


def _conv_graph_prims(build):
    g = Graph("conv")
    with g:
        x = g.placeholder((4, 9, 8, 3), "float32")
        y = build(x, g)
        grad(bind("sum", y, axes=None), [x])
    return [n.prim.name for n in g.nodes if n.prim is not None]


@pytest.mark.parametrize("build, window_prims", [
    (lambda x, g: ops.conv(x, g.constant(np.ones((3, 3, 3, 5), np.float32)), padding="same"),
     False),
    # conv_transpose still spreads its input out by the stride with pads and slices.
    (lambda x, g: ops.conv_transpose(x, g.constant(np.ones((3, 3, 5, 3), np.float32)), 2),
     True),
    (lambda x, g: ops.average_pool(x, 3, 2, padding="same"), False),
])
def test_convolutions_stay_channels_last(build, window_prims):
    # The patch matrix is one im2col (its gradient one col2im), not a channels-first
    # transpose and a concatenation of shifted slices.
    prims = _conv_graph_prims(build)
    assert prims.count("im2col") == 1 and prims.count("col2im") == 1
    assert "concatenate" not in prims and "transpose" not in prims[:prims.index("im2col")]
    assert window_prims or not {"slice", "pad"} & set(prims)
