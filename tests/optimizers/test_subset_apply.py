"""`optimizer.apply` / `apply_gradients` on a subset of the variables the optimizer was
built with, eagerly, against real Keras 3 (tests/fixtures/keras_custom_steps.npz, from
make_keras_custom_steps.py): any subset in any order, or `apply(grads)` with no variables
once built; the other variables and their slots stay as they are (but for Keras's EMA,
which averages every built variable), `iterations` counts each call. The traced subset
steps are tested in tests/trainers/test_custom_step_logs.py."""

import os

import numpy as np
import pytest

import fastkeras as keras
from tests.fixtures import custom_step_cases as cases

ARRAYS = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                              "keras_custom_steps.npz"))


@pytest.mark.parametrize("case", sorted(cases.OPTIMIZERS))
def test_subset_applies_match_keras(backend, case):
    tol = 1e-5 if backend == "reference" else 1e-4
    for r, (values, opt_values) in enumerate(cases.run_eager(keras, case)):
        where = f"{case} round {r}"
        for i, value in enumerate(values):
            np.testing.assert_allclose(value, ARRAYS[f"eager__{case}__round{r}__variables_{i}"],
                                       rtol=tol, atol=tol, err_msg=where)
        want = [k for k in ARRAYS if k.startswith(f"eager__{case}__round{r}__optimizer_")]
        assert len(opt_values) == len(want), where
        for i, value in enumerate(opt_values):
            np.testing.assert_allclose(value, ARRAYS[f"eager__{case}__round{r}__optimizer_{i}"],
                                       rtol=tol, atol=tol, err_msg=f"{where}: variable {i}")


def _built():
    variables = [keras.Variable(v.copy()) for v in cases.START]
    optimizer = keras.optimizers.Adam(0.1)
    optimizer.build(variables)
    return variables, optimizer


def test_a_subset_leaves_the_others_and_their_slots_alone():
    variables, optimizer = _built()
    optimizer.apply([np.ones(3, np.float32)], [variables[1]])
    assert int(optimizer.iterations.numpy()) == 1
    np.testing.assert_array_equal(variables[0].numpy(), cases.START[0])
    np.testing.assert_array_equal(variables[2].numpy(), cases.START[2])
    assert not np.array_equal(variables[1].numpy(), cases.START[1])
    moments = optimizer.variables[2:]  # (momentum, velocity) per variable
    assert [bool(np.any(m.numpy())) for m in moments] == [False, False, True, True,
                                                          False, False]


def test_an_unknown_variable_is_refused():
    variables, optimizer = _built()
    stranger = keras.Variable(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([np.ones(3, np.float32)], [stranger])
    assert int(optimizer.iterations.numpy()) == 0


def test_grads_without_variables():
    unbuilt = keras.optimizers.Adam(0.1)
    with pytest.raises(ValueError, match="must already be built"):
        unbuilt.apply([np.ones(3, np.float32)])
    variables, optimizer = _built()
    with pytest.raises(ValueError, match="Received a list of 1 gradients"):
        optimizer.apply([np.ones((2, 3), np.float32)])


def test_no_gradients_is_a_no_op_and_all_none_is_refused():
    variables, optimizer = _built()
    optimizer.apply([], [])
    assert int(optimizer.iterations.numpy()) == 0
    with pytest.raises(ValueError, match="No gradients provided"):
        optimizer.apply([None], [variables[0]])


def test_float64_gradients_are_cast_to_the_variables_dtype():
    variables, optimizer = _built()
    optimizer.apply([np.ones(4)], [variables[2]])  # float64, as Keras takes it
    assert variables[2].numpy().dtype == np.float32
    np.testing.assert_allclose(variables[2].numpy(), cases.START[2] - 0.1, rtol=1e-5)
