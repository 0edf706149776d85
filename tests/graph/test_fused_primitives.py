"""Each fused primitive equals the chain of primitives it replaces (reference backend)."""

import numpy as np
import pytest

from fastkeras import backends
from fastkeras.graph import PRIMITIVES
from fastkeras.graph.eager import run_eager

from .op_cases import CASES, as_dtype

REF = backends.get("reference")


def _op(name, *args, **attrs):
    outs = run_eager(PRIMITIVES[name], list(args), attrs, REF)
    return outs[0] if len(outs) == 1 else outs


_HELPER = {"relu": "relu_grad", "sigmoid": "sigmoid_grad", "tanh": "tanh_grad"}


def _chain(name, ins, attrs):
    if name == "dense":
        x, w, b = ins
        z = _op("bias_add", _op("matmul", x, w), b)
        return [z if attrs["activation"] == "linear" else _op(attrs["activation"], z)]
    if name == "matmul_act_grad":
        a, b, y = ins
        g = _op("matmul", a, b, transpose_a=attrs["transpose_a"], transpose_b=attrs["transpose_b"])
        act = attrs["activation"]
        dz = g if act == "linear" else _op(_HELPER[act], y, g)
        return [dz, _op("sum", dz, axes=(0,))]
    t, p, g = ins
    loss, act = name.rsplit("_", 2)[0], name.rsplit("_", 2)[1]
    dp = _op(loss + "_grad", t, p, g)
    if act == "sigmoid":
        return [_op("sigmoid_grad", p, dp)]
    return [_op("softmax_grad", p, dp, axis=-1)]


FUSED = ["dense", "matmul_act_grad", "binary_crossentropy_sigmoid_grad",
         "categorical_crossentropy_softmax_grad", "sparse_categorical_crossentropy_softmax_grad"]


@pytest.mark.parametrize("name", FUSED)
def test_fused_equals_chain(name):
    for raw, attrs in CASES[name]:
        ins = as_dtype(name, raw, "float64")
        got = run_eager(PRIMITIVES[name], ins, attrs, REF)
        want = _chain(name, ins, attrs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"{name} {attrs}")


def test_clipped_probabilities_get_zero_gradient_like_keras():
    # A confidently wrong prediction (p below the 1e-7 clip) has zero gradient in Keras.
    t = np.array([1], np.int32)
    p = np.array([[0.99999999, 1e-9]])[:, ::-1].copy()  # label 1 has p ~ 1 - 1e-9 > 1 - eps
    g = np.ones(1)
    np.testing.assert_array_equal(_op("sparse_categorical_crossentropy_softmax_grad", t, p, g), 0)
