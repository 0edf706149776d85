"""The CUDA module is built wherever nvcc is found; without a GPU it imports cleanly and
reports no device, and the probe kernel's test is skipped."""

import importlib.util
import shutil

import numpy as np
import pytest

from fastkeras.backends import cuda_backend


def test_cuda_module_built_when_nvcc_present():
    if shutil.which("nvcc") is None:
        pytest.skip("nvcc not found on this machine: _cuda is not built")
    assert importlib.util.find_spec("fastkeras._cuda") is not None
    assert cuda_backend.built()


def test_cuda_import_without_gpu_is_clean():
    if not cuda_backend.built():
        pytest.skip(f"_cuda not built: {cuda_backend.unavailable_reason()}")
    from fastkeras import _cpu, _cuda
    assert _cuda.device_count() >= 0
    assert _cuda.num_ops() == len(_cpu.op_codes())  # one op list for both modules
    assert isinstance(cuda_backend.unavailable_reason(), str)


def test_cuda_probe_kernel():
    if not cuda_backend.devices():
        pytest.skip("no CUDA device on this machine")
    from fastkeras import _cuda
    x = np.arange(1000, dtype=np.float32)
    y = np.ones(1000, dtype=np.float32)
    _cuda.axpy(2.0, x, y)
    np.testing.assert_array_equal(y, 2 * np.arange(1000, dtype=np.float32) + 1)


def test_cuda_sigmoid_uses_the_cpu_formula():
    """fastkeras/scalar.hpp compiled for the device gives the reference's stable sigmoid."""
    if not cuda_backend.devices():
        pytest.skip("no CUDA device on this machine")
    from fastkeras import _cuda
    from fastkeras.graph.primitives.elementwise import _sigmoid
    x = np.linspace(-100, 100, 10001, dtype=np.float32)
    np.testing.assert_allclose(_cuda.sigmoid(x), _sigmoid(x), rtol=2e-6, atol=1e-30)
