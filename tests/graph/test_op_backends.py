"""Every primitive on every available backend equals its NumPy reference, and no backend
lacks a kernel. Run one backend with `-k cpu` / `-k numba`."""

import re
from pathlib import Path

import numpy as np
import pytest

from fastkeras import backends
from fastkeras.graph import PRIMITIVES
from fastkeras.graph.eager import run_eager

from .op_cases import CASES, as_dtype

ROOT = Path(__file__).resolve().parents[2]
NATIVE = [b for b in ("cpu", "numba") if backends.available(b)]
TOL = {"matmul": 2e-5, "sum": 2e-5, "mean": 2e-5}


def _params():
    for name in sorted(PRIMITIVES):
        for i in range(len(CASES.get(name, []))):
            for b in NATIVE:
                yield pytest.param(b, name, i, id=f"{b}-{name}-{i}")


def _run(backend, name, inputs, attrs):
    prim = PRIMITIVES[name]
    outs = run_eager(prim, inputs, attrs, backend)
    return inputs if prim.effect else outs


@pytest.mark.parametrize("backend,name,case", list(_params()))
def test_backend_matches_reference(backend, name, case):
    raw, attrs = CASES[name][case]
    ref_in = as_dtype(name, raw, "float32")
    got_in = as_dtype(name, raw, "float32")
    want = _run(backends.get("reference"), name, ref_in, attrs)
    got = _run(backends.get(backend), name, got_in, attrs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        tol = TOL.get(name, 1e-5)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_every_primitive_has_cases():
    assert sorted(set(PRIMITIVES) - set(CASES)) == []


@pytest.mark.parametrize("backend", ["cpu", "numba"])
def test_every_primitive_has_a_kernel(backend):
    if not backends.available(backend):
        pytest.skip(f"{backend} backend not available here: {backends.unavailable_reason(backend)}")
    b = backends.get(backend)
    # A lowered primitive (scan) never reaches a backend: plans hold what it is written into.
    missing = [n for n, p in PRIMITIVES.items() if not p.lowered and not b.has_kernel(n)]
    assert missing == []


def test_native_op_list_matches_registry():
    text = (ROOT / "csrc/include/fastkeras/ops.def").read_text()
    declared = re.findall(r"^FK_OP\((\w+), \w+\)", text, flags=re.M)
    assert len(declared) == len(set(declared))
    assert sorted(declared) == sorted(n for n, p in PRIMITIVES.items() if not p.lowered)
    if backends.available("cpu"):
        from fastkeras import _cpu
        assert _cpu.op_codes() == {n: i for i, n in enumerate(declared)}


def test_native_op_families_match_the_declarations():
    """ops.def's second column (the kernel family whose arity, dispatch and shape rule the C++
    writes once) agrees with each primitive's declaration: the elementwise program ops are
    the family ops (cast aside: its own kernel), by arity and output dtype."""
    text = (ROOT / "csrc/include/fastkeras/ops.def").read_text()
    families = dict(re.findall(r"^FK_OP\((\w+), (\w+)\)", text, flags=re.M))
    assert set(families.values()) <= {"unary", "act_grad", "arith", "compare", "none"}
    for name, family in families.items():
        prim = PRIMITIVES[name]
        elementwise = prim.program_op and name != "cast"
        assert (family != "none") == elementwise, (name, family)
        if family == "none":
            continue
        raw, attrs = CASES[name][0]
        ins = as_dtype(name, raw, "float32")
        (_, out_dtype), = prim.shape_rule([(a.shape, a.dtype.name) for a in ins], attrs)
        want = {"unary": (1, "float32"), "act_grad": (2, "float32"), "arith": (2, "float32"),
                "compare": (2, "bool")}[family]
        assert (len(ins), out_dtype) == want, (name, family)
