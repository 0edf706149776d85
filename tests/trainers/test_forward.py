"""The predict fast path (trainers/forward.py): the runner a known shape leaves behind, and
on the cpu backend its one-call native form, must give the checked path's answers and hand
every other input back to the checked path."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.layers import Dense


def _model():
    keras.utils.set_random_seed(3)
    return keras.Sequential([Dense(16, activation="relu", input_shape=(5,)),
                             Dense(3, activation="softmax")])


def _x(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 5)).astype("float32")


def test_native_call_matches_the_python_runner_over_several_batches(backend):
    model, x = _model(), _x(70)  # batch 32: two full batches and a plan for the last 6 rows
    model.predict(x, verbose=0)
    runner = model._forward.lookup(x, 32)
    assert runner is not None
    expected = runner(x, check_finite=True)
    if backend == "cpu":
        assert runner.native is not None
        np.testing.assert_array_equal(runner.native(x), expected)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)  # through `last`
    if backend == "cpu":
        assert model._forward.last is runner


@pytest.mark.parametrize("other", [
    lambda x: np.asfortranarray(x),            # same shape, not C-contiguous
    lambda x: x.astype("float64"),             # same shape, another dtype
    lambda x: x.tolist(),                      # not an array
    lambda x: x[:-1],                          # another row count
    lambda x: x[::2].repeat(2, axis=0)[::1],   # same shape, other values
])
def test_other_inputs_after_a_fast_call_take_the_checked_path(backend, other):
    model, x = _model(), _x(8)
    for _ in range(3):  # the third call goes through the runner used last
        model.predict(x, verbose=0)
    y = other(x)
    fresh = _model()  # same seed: same weights, never ran this shape
    expected = fresh.predict(np.asarray(y, "float32"), verbose=0)
    np.testing.assert_allclose(model.predict(y, verbose=0), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict_on_batch(y), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model(y), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(model.predict(x, verbose=0), fresh.predict(x, verbose=0))


def test_fast_path_sees_new_weights(backend):
    model, x = _model(), _x(4)
    for _ in range(3):
        before = model.predict(x, verbose=0)
        model(x)
    weights = model.get_weights()
    model.set_weights([w * 0.5 for w in weights])
    after = model.predict(x, verbose=0)
    assert not np.allclose(after, before)
    fresh = _model()
    fresh.set_weights([w * 0.5 for w in weights])
    np.testing.assert_array_equal(after, fresh.predict(x, verbose=0))
    np.testing.assert_array_equal(model(x), after)


def test_model_call_with_training_false_gives_the_same_answer(backend):
    model, x = _model(), _x(4)
    expected = model(x)
    model(x)
    np.testing.assert_array_equal(model(x, training=False), expected)


@pytest.mark.skipif(not backends.available("cpu"), reason="the cpu module is not built")
def test_native_forward_call_refuses_shapes_its_plan_cannot_take():
    previous = backends.get_backend()
    backends.set_backend("cpu")
    try:
        model, x = _model(), _x(8)
        model.predict(x, verbose=0)
        parts = [(model._steps.executor("predict", 8, ((5,), "float32")), 0, 1)]
    finally:
        backends._active = previous
    make = backends.get("cpu").forward_call
    with pytest.raises(ValueError, match="x row shape does not match"):
        make(parts, (8, 6), (8, 3))
    with pytest.raises(ValueError, match="output row shape does not match"):
        make(parts, (8, 5), (8, 4))
    with pytest.raises(ValueError, match="same number of rows"):
        make(parts, (8, 5), (7, 3))
    with pytest.raises(ValueError, match="cover x's rows"):  # rows 8..15 would be left
        make(parts, (16, 5), (16, 3))
    with pytest.raises(ValueError, match="cover x's rows"):  # one part too many
        make(parts + parts, (8, 5), (8, 3))
    with pytest.raises(TypeError, match="Executor, first row, steps"):
        backends.get("cpu")._cpu.ForwardCall([(object(), 0, 1)], [8, 5], [8, 3])
    call = make(parts, (8, 5), (8, 3))
    np.testing.assert_array_equal(call(x), model.predict(x, verbose=0))
    assert call(x[:4]) is None and call(x.astype("float64")) is None and call(None) is None
    assert call(np.asfortranarray(x)) is None
