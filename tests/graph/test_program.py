"""elementwise_program (graph/primitives/program.py): every program_op primitive, run as a
one-instruction program, gives what its own kernel gives on every backend (so the
program interpreters hold every formula the unfused kernels hold), and malformed programs
are refused by the native check."""

import numpy as np
import pytest

from fastkeras import backends
from fastkeras.graph import PRIMITIVES
from fastkeras.graph.eager import run_eager
from fastkeras.graph.primitives.program import CONST

from .op_cases import CASES, as_dtype

PROGRAM_OPS = sorted(n for n, p in PRIMITIVES.items() if p.program_op)
BACKENDS = ["reference"] + [b for b in ("cpu", "numba") if backends.available(b)]


def _one_instruction(name, ins, attrs, dtype):
    """The program running `name` on `ins`, or None when the case leaves the program's
    dtypes (a cast to an integer type, integer operands)."""
    prim = PRIMITIVES[name]
    specs = [(a.shape, a.dtype.name) for a in ins]
    (shape, out_dtype), = prim.shape_rule(specs, {**prim.attr_defaults, **attrs})
    if any(d not in (dtype, "bool") for _, d in specs + [(shape, out_dtype)]):
        return None
    program = ((name, tuple(range(len(ins))), out_dtype),)
    return {"program": program, "outputs": (len(ins),), "shape": tuple(shape)}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", PROGRAM_OPS)
def test_one_instruction_program_equals_the_primitive(name, dtype, backend):
    be = backends.get(backend)
    ran = 0
    for raw, attrs in CASES[name]:
        ins = as_dtype(name, raw, dtype)
        prog = _one_instruction(name, ins, attrs, dtype)
        if prog is None:
            continue
        want = run_eager(PRIMITIVES[name], ins, attrs, be)
        got = run_eager(PRIMITIVES["elementwise_program"], ins, prog, be)
        assert got[0].dtype == want[0].dtype and got[0].shape == want[0].shape
        np.testing.assert_array_equal(got[0], want[0], err_msg=f"{name} {attrs}")
        ran += 1
    assert ran, f"no case of {name} runs as a {dtype} program"


def test_constants_are_immediates():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    prog = {"program": ((CONST, (2.5,), "float32"), ("multiply", (0, 1), "float32")),
            "outputs": (2,), "shape": (2, 3)}
    for b in BACKENDS:
        got, = run_eager(PRIMITIVES["elementwise_program"], [x], prog, backends.get(b))
        np.testing.assert_array_equal(got, x * np.float32(2.5))


def test_every_broadcast_layout_reads_the_right_elements():
    """Inputs broadcast along the inner axis (a column), the middle axis, the leading axes
    (periodic) and as bools, over an iteration shape longer than one block."""
    rng = np.random.default_rng(3)
    column = rng.standard_normal((6, 90, 1)).astype(np.float32)   # LayerNorm's statistics
    middle = rng.standard_normal((6, 1, 17)).astype(np.float32)   # a per-sample row
    row = rng.standard_normal((17,)).astype(np.float32)           # a bias (periodic)
    flags = rng.standard_normal((6, 90, 1)) > 0                   # a bool column
    prog = {"program": (("multiply", (0, 1), "float32"), ("add", (4, 2), "float32"),
                        ("cast", (3,), "float32"), ("multiply", (5, 6), "float32")),
            "outputs": (7,), "shape": (6, 90, 17)}
    want = (column * middle + row) * flags
    for b in BACKENDS:
        got, = run_eager(PRIMITIVES["elementwise_program"], [column, middle, row, flags], prog,
                         backends.get(b))
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=b)


@pytest.mark.skipif(not backends.available("cpu"), reason="native module not built")
@pytest.mark.parametrize("ints,why", [
    ([], "int and 0 float attributes"),
    ([2, 13, 0, 0, 1, 2], "malformed"),
    # (n_instr, op, dtype, a, b, output code, then the iteration shape: ndim, dims)
    ([1, 13, 0, 0, 5, 1, 2, 2, 3], "reads a register"),   # add reads register 5 too early
    ([1, 19, 0, 0, 0, 1, 2, 2, 3], "not a program op"),   # matmul
    ([1, 13, 4, 0, 0, 1, 2, 2, 3], "wrong result dtype"),  # add giving bool
    ([1, -1, 0, 3, -1, 1, 2, 2, 3], "no value"),          # a constant without one
    ([1, 13, 0, 0, 0, 7, 2, 2, 3], "names register"),     # output register out of range
    ([1, 13, 0, 0, 0, 1, 3, 2, 3], "malformed iteration shape"),  # 3 dims, 2 given
    ([1, 13, 0, 0, 0, -3, 2, 2, 3], "column-sum output"),  # a sum into a (2, 3) output
])
def test_native_check_refuses_malformed_programs(ints, why):
    from fastkeras import _cpu
    code = _cpu.op_codes()["elementwise_program"]
    ints = list(ints)
    if len(ints) > 1 and ints[1] not in (-1,):
        ints[1] = {13: _cpu.op_codes()["add"], 19: _cpu.op_codes()["matmul"]}[ints[1]]
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=why):
        _cpu.run_op(code, [x], [np.empty((2, 3), np.float32)], ints, [])
