"""The `_cpu` binding's argument checks, and plan inputs read in place by the executor."""

import numpy as np
import pytest

_cpu = pytest.importorskip("fastkeras._cpu", reason="native module not built")


def negate(ins, outs):
    _cpu.run_op(_cpu.op_codes()["negative"], ins, outs, [], [])


def test_run_op_accepts_tuples_and_lists():
    x = np.arange(6, dtype=np.float32)
    y = np.empty_like(x)
    negate((x,), [y])
    np.testing.assert_array_equal(y, -x)


def test_run_op_rejects_non_native_byte_order():
    x = np.arange(3, dtype=">f4")
    with pytest.raises(TypeError, match="native byte order"):
        negate([x], [np.empty(3, np.float32)])


def test_run_op_rejects_non_contiguous_and_read_only():
    x = np.arange(6, dtype=np.float32)
    with pytest.raises(ValueError, match="C-contiguous"):
        negate([x[::2]], [np.empty(3, np.float32)])
    y = np.empty(6, np.float32)
    y.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        negate([x], [y])


def test_run_op_rejects_unsupported_dtype():
    with pytest.raises(TypeError, match="unsupported array dtype"):
        negate([np.arange(3, dtype=np.complex64)], [np.empty(3, np.complex64)])


def dense_model():
    import fastkeras as keras
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    return model


def test_predict_reads_row_slices_in_place():
    # A slice's rows start mid-array: the executor must read from its own first row.
    model = dense_model()
    x = np.random.default_rng(0).standard_normal((40, 5)).astype(np.float32)
    expect = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x[7:], verbose=0, batch_size=8), expect[7:],
                               rtol=1e-6)


def test_predict_misaligned_input_matches_aligned():
    # float32 rows at an odd address: read through the arena copy, same numbers.
    model = dense_model()
    x = np.random.default_rng(1).standard_normal((16, 5)).astype(np.float32)
    raw = np.zeros(x.nbytes + 1, np.uint8)
    raw[1:] = x.view(np.uint8).ravel()
    odd = np.frombuffer(raw.data, dtype=np.float32, count=x.size, offset=1).reshape(16, 5)
    assert not odd.flags.aligned
    np.testing.assert_allclose(model.predict(odd, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_pool_dispatch_probe_reports_a_time_and_checks_its_argument():
    ns = _cpu.pool_dispatch_ns(200)
    assert np.isfinite(ns) and ns > 0
    with pytest.raises(ValueError, match="repeats"):
        _cpu.pool_dispatch_ns(0)


def test_run_op_attribute_lists_must_hold_numbers():
    x, y = np.ones(3, np.float32), np.empty(3, np.float32)
    code = _cpu.op_codes()["negative"]
    with pytest.raises(TypeError, match="ints must be a sequence of integers"):
        _cpu.run_op(code, [x], [y], ["a"], [])
    with pytest.raises(TypeError, match="floats must be a sequence of numbers"):
        _cpu.run_op(code, [x], [y], [], [None])


def test_one_epsilon_for_every_backend():
    """Keras's 1e-7: the C++ loss kernels' constant, the references' and keras.config's."""
    import fastkeras
    from fastkeras.graph.primitives.losses import EPSILON
    assert _cpu.loss_epsilon() == EPSILON == fastkeras.config.epsilon() == 1e-7


def test_activation_codes_are_one_numbering():
    """The fused primitives encode activations with graph/primitives/fused.py's codes; the
    GEMM epilogues and vector kernels read them with fastkeras/activation_codes.hpp's."""
    from fastkeras.graph.primitives.fused import ACTIVATION_CODES
    assert _cpu.activation_codes() == ACTIVATION_CODES
