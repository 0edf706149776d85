"""Every differentiable primitive's VJP agrees with central finite differences (float64,
reference backend), and non-differentiable primitives say so explicitly."""

import numpy as np
import pytest

from fastkeras.graph import PRIMITIVES, Graph, bind
from fastkeras.graph.primitive import FLOAT_DTYPES

from .gradcheck import assert_grad_matches_finite_differences
from .op_cases import CASES, as_dtype

# custom_gradient's VJP is the user's grad_fn, not its value's derivative by design
# (tests/ops/test_control_flow.py checks it against the formula and finite differences).
DIFFERENTIABLE = sorted(n for n, p in PRIMITIVES.items()
                        if p.differentiable and n != "custom_gradient")


def _diff_inputs(prim, inputs):
    idx = range(len(inputs)) if prim.diff_inputs is None else prim.diff_inputs
    return [i for i in idx if inputs[i].dtype.name in FLOAT_DTYPES]


def _loss_graph(name, inputs, attrs):
    g = Graph()
    with g:
        xs = [g.placeholder(x.shape, x.dtype.name) for x in inputs]
        ys = bind(name, *xs, **attrs)
        ys = [y for y in (ys if isinstance(ys, tuple) else (ys,)) if y.dtype == "float64"]
        if not ys:  # e.g. cast to int or float32: FD in float64 is meaningless
            return None
        rng = np.random.default_rng(0)
        terms = [bind("sum", bind("multiply", y, g.constant(rng.uniform(-1, 1, size=y.shape))),
                      axes=None) for y in ys]  # every output's cotangent matters
        loss = terms[0]
        for t in terms[1:]:
            loss = bind("add", loss, t)
    return g, xs, loss


def _float64_cases(name):
    cases = [(as_dtype(name, raw, "float64"), attrs) for raw, attrs in CASES[name]]
    return [(ins, attrs, built) for ins, attrs in cases
            if (built := _loss_graph(name, ins, attrs)) is not None]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_vjp_matches_finite_differences(name):
    prim = PRIMITIVES[name]
    cases = _float64_cases(name)
    assert cases, f"no float64 VJP case for {name}"
    for inputs, attrs, (g, xs, loss) in cases:
        assert_grad_matches_finite_differences(loss, xs, inputs, _diff_inputs(prim, inputs),
                                               f"{name} attrs {attrs}")


def test_nondifferentiable_primitives_are_explicit():
    # Gradient helpers, comparisons, index ops and effects have no VJP by design.
    nondiff = sorted(n for n, p in PRIMITIVES.items() if not p.differentiable)
    expected = {"relu_grad", "sigmoid_grad", "tanh_grad", "softmax_grad", "log_softmax_grad",
                "equal", "greater", "argmax", "sgd_update", "sgd_momentum_update",
                "adam_update", "increment", "accumulate", "assign", "constrain"}
    expected |= {n for n in PRIMITIVES if n.endswith("_grad") and ("crossentropy" in n or "error" in n)}
    expected |= {"matmul_act_grad", "elementwise_program"}  # fusion runs after autodiff
    expected |= {"random"}  # no inputs to differentiate: the counter is an integer
    expected |= {"max_pool_grad"}  # the scatter of max pooling's gradient
    expected |= {"lstm_cell_grad", "gru_cell_grad"}  # recurrent cells: first order only
    expected |= {"stop_gradient"}  # what it is for: its input gets no gradient through it
    expected |= {"in_top_k"}  # a bool from a count of comparisons
    assert set(nondiff) == expected
