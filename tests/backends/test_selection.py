import os
import subprocess
import sys

import pytest

import fastkeras as keras
from fastkeras import backends


def test_info_reports_build_and_hardware():
    info = keras.config.info()
    for key in ("active_backend", "available_backends", "cpu_module_built", "cpu_features",
                "cuda_module_built", "cuda_devices"):
        assert key in info
    assert "reference" in info["available_backends"]


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown backend 'tpu'"):
        keras.config.set_backend("tpu")


def test_cuda_backend_not_selectable_without_kernels():
    with pytest.raises(RuntimeError, match="Backend 'cuda' is not available"):
        keras.config.set_backend("cuda")


def test_environment_variable_selects_backend():
    code = "import fastkeras; print(fastkeras.config.backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "FASTKERAS_BACKEND": "reference"})
    assert out.stdout.strip() == "reference"


def _run_without_native_module(body, block_numba=False):
    """Runs `body` in a fresh interpreter where importing fastkeras._cpu fails (a build
    without it), and numba too if asked; returns the printed (name, warning count, text)."""
    code = (
        "import sys, warnings\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'fastkeras._cpu': raise ImportError('blocked for the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        + ("sys.modules['numba'] = None\n" if block_numba else "")
        + "import numpy as np, fastkeras\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        + "".join(f"    {line}\n" for line in body)
        + "print(fastkeras.config.backend(), len(w), str(w[0].message) if w else '')\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "FASTKERAS_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    return out.stdout.strip().split(" ", 2)


def test_missing_native_module_falls_back_to_numba_and_says_so():
    name, count, message = _run_without_native_module(
        ["fastkeras.config.backend()", "fastkeras.config.backend()"])
    assert name == ("numba" if backends.available("numba") else "reference")
    assert count == "1" and "could not be imported" in message


def test_without_native_module_and_numba_runs_reference_and_says_how_to_get_speed():
    """numba is an optional extra: without it and without _cpu, fastkeras still trains."""
    name, count, message = _run_without_native_module([
        "m = fastkeras.Sequential([fastkeras.layers.Dense(1, input_shape=(3,))])",
        "m.compile(optimizer='sgd', loss='mse')",
        "m.fit(np.ones((8, 3), 'float32'), np.ones(8, 'float32'), verbose=0)"],
        block_numba=True)
    assert name == "reference" and count == "1"
    assert "numba is not installed" in message and 'pip install "fastkeras[numba]"' in message


def test_results_do_not_depend_on_thread_count():
    if not backends.available("cpu"):
        pytest.skip("cpu backend not built")
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 300)).astype("float32")
    y = rng.integers(0, 10, 512).astype("int32")
    runs = []
    previous = keras.config.get_num_threads()
    try:
        for threads in (1, 2, 3, 5):  # 5: more threads than this CI machine has cores
            keras.config.set_num_threads(threads)
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.Input(shape=(300,)),
                                      keras.layers.Dense(256, activation="relu"),
                                      keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            with backends_cpu():
                model.fit(x, y, batch_size=128, epochs=1, verbose=0)
                # 512 rows (row-split GEMMs) and 1 row (columns split, one block per thread)
                runs.append(model.get_weights() + [model.predict(x, batch_size=512, verbose=0),
                                                   model.predict(x[:1], verbose=0)])
    finally:
        keras.config.set_num_threads(previous)
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            np.testing.assert_array_equal(a, b)


class backends_cpu:
    def __enter__(self):
        self.previous = backends.get_backend()
        backends.set_backend("cpu")

    def __exit__(self, *exc):
        backends._active = self.previous


@pytest.mark.parametrize("n", [0, -3, 257, 10**6, 2.0, "4", True])
def test_set_num_threads_validates(n):
    with pytest.raises(ValueError, match="an integer from 1 to 256"):
        keras.config.set_num_threads(n)


@pytest.mark.skipif(not backends.available("cpu"), reason="the thread pool is the cpu module's")
@pytest.mark.parametrize("value", ["abc", "0", "-3", "4abc", "100000"])
def test_unreadable_thread_env_is_named_once_and_all_cpus_used(value):
    """The native pool silently ignored these (or parsed '4abc' as 4)."""
    code = ("import warnings; warnings.simplefilter('always')\n"
            "import fastkeras, os\n"
            "print(fastkeras.config.get_num_threads(), len(os.sched_getaffinity(0)))")
    env = dict(os.environ, FASTKERAS_NUM_THREADS=value)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stderr.count(f"FASTKERAS_NUM_THREADS={value!r} is not an integer") == 1
    used, cpus = out.stdout.split()
    assert used == cpus
