"""ops.einsum beyond the op table (tests/ops/op_table.py checks values, traced graphs and
gradients): random subscripts against np.einsum, KerasTensors, the GEMM count, bad
subscripts."""

import numpy as np
import pytest

import fastkeras as keras
import fastkeras.ops as ops
from fastkeras.graph import Graph

EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("Ba,aC", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iii->i", [(3, 3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("...", [(2, 3)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ab,cd->", [(2, 3), (4, 5)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("bqm,muh->bquh", [(2, 5, 4), (4, 3, 2)]),
    ("bquh,bkuh->buqk", [(2, 5, 3, 2), (2, 6, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,jk", [(2, 3, 4), (4, 5)]),
    ("ab...,bc->ac...", [(2, 3, 4), (3, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ijk,ikl,ilm->jm", [(2, 3, 4), (2, 4, 5), (2, 5, 6)]),
    ("a b,b c -> c a", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("subscripts, shapes", EQUATIONS, ids=[e[0] for e in EQUATIONS])
def test_matches_numpy(backend, subscripts, shapes):
    rng = np.random.default_rng(len(subscripts))
    xs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    got = np.asarray(ops.einsum(subscripts, *xs))
    want = np.einsum(subscripts.replace(" ", ""), *xs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_float64_and_int_operands():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    out = ops.einsum("ij,j->i", a, np.array([1, 2, 3]))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, a @ [1, 2, 3])


def test_one_gemm_per_pairwise_contraction():
    """'bquh,bkuh->buqk' is one batch_matmul; 'abc,cd->abd' one 2-D matmul."""
    for subscripts, shapes, kind in [("bquh,bkuh->buqk", [(2, 5, 3, 4), (2, 6, 3, 4)],
                                      "batch_matmul"),
                                     ("abc,cd->abd", [(2, 5, 3), (3, 4)], "matmul")]:
        g = Graph("einsum")
        with g:
            out = ops.einsum(subscripts, *[g.placeholder(s, "float32") for s in shapes])
        ops_used = [n.prim.name for n in g.nodes if n.prim is not None]
        assert ops_used.count(kind) == 1, ops_used
        assert out.shape == np.einsum(subscripts, *[np.zeros(s) for s in shapes]).shape


def test_keras_tensors_make_a_layer():
    x = keras.Input((5, 3))
    y = ops.einsum("abc,cd->abd", x, np.ones((3, 4), np.float32))
    assert tuple(y.shape) == (None, 5, 4)
    model = keras.Model(x, y)
    data = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(data, verbose=0), data @ np.ones((3, 4)),
                               rtol=1e-5)


@pytest.mark.parametrize("subscripts, shapes, match", [
    ("ij,jk->il", [(2, 3), (3, 4)], "output label 'l'"),
    ("ij,jk", [(2, 3)], "name 2 operand"),
    ("ij->ii", [(2, 3)], "output label 'i' is repeated"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "label 'j'.*do not broadcast"),
    ("ij", [(2, 3, 4)], "has 2 label.*3 axes"),
    ("...i->i", [(2, 3)], "no '...'"),
    ("a->b->c", [(2,)], "at most one '->'"),
    ("i1", [(2, 2)], "invalid character '1'"),
    ("i......", [(2, 2)], "more than one '...'"),
    ("ii", [(2, 3)], "label 'i'.*do not broadcast"),
    ("ii", [(1, 3)], "different sizes"),
])
def test_bad_subscripts_raise_value_error(subscripts, shapes, match):
    with pytest.raises(ValueError, match=match):
        ops.einsum(subscripts, *[np.ones(s, np.float32) for s in shapes])


def test_no_operands_raise_value_error():
    with pytest.raises(ValueError, match="at least one operand"):
        ops.einsum("ij")
