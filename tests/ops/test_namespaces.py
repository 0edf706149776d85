"""keras.ops.nn / numpy / linalg / image (and the math / core groups): Keras's names of each
namespace that fastkeras has, as the dispatching ops, while the implementation modules keep
serving the package's own imports."""

import sys

import numpy as np
import pytest

import fastkeras as keras
import fastkeras.ops as ops
from fastkeras.ops.namespaces import KERAS_NAMES

NAMESPACES = ("nn", "numpy", "linalg", "image", "math", "core")


def _public(ns):
    return {n for n in dir(ns) if not n.startswith("_")}


@pytest.mark.parametrize("name", NAMESPACES)
def test_namespace_lists_exactly_the_keras_names_fastkeras_has(name):
    ns = getattr(ops, name)
    keras_names = set(KERAS_NAMES[name].split())
    assert _public(ns) <= keras_names
    if name == "image":  # keras.ops.image's ops are not top-level names
        implemented = set(sys.modules["fastkeras.ops.image"].__all__)
    else:
        implemented = {n for n in ops.__all__ if callable(getattr(ops, n))}
    assert _public(ns) == keras_names & implemented
    assert sorted(_public(ns)) == ns.__all__


@pytest.mark.parametrize("name", ("nn", "numpy", "linalg", "math", "core"))
def test_namespace_entries_are_the_top_level_ops(name):
    ns = getattr(ops, name)
    assert all(getattr(ns, n) is getattr(ops, n) for n in _public(ns))


def test_expected_members():
    assert {"sigmoid", "conv", "softmax", "one_hot"} <= _public(ops.nn)
    assert {"add", "where", "rearrange"} - _public(ops.numpy) == {"rearrange"}  # top level only
    assert {"inv", "solve", "norm", "jvp"} <= _public(ops.linalg)
    assert {"resize", "rgb_to_hsv"} <= _public(ops.image)
    assert "logsumexp" in _public(ops.math) and "cond" in _public(ops.core)
    assert "convert" not in _public(ops.core)  # the internal helpers stay internal
    assert "sigmoid" not in _public(ops.numpy) and "add" not in _public(ops.nn)


def test_namespace_ops_build_layers_on_keras_tensors():
    x = keras.Input((3,))
    y = ops.numpy.add(ops.nn.sigmoid(x), 1.0)
    model = keras.Model(x, y)
    data = np.array([[0.0, 1.0, -2.0]], "float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), 1 / (1 + np.exp(-data)) + 1,
                               rtol=1e-6)
    assert ops.core.dtype(x) == "float32"


def test_import_forms_reach_the_namespaces_and_modules():
    from fastkeras.ops import numpy as knp
    import fastkeras.ops.linalg as la
    assert knp is ops.numpy and la is ops.linalg
    # `from <module> import` reads sys.modules: the implementation module, as the package's
    # own `from .numpy import add` needs (its plain function computes the same values).
    from fastkeras.ops.numpy import add
    assert sys.modules["fastkeras.ops.numpy"] is not ops.numpy
    assert ops.add.__wrapped__ is add
    np.testing.assert_array_equal(add(np.ones(2), 2.0), [3.0, 3.0])
    assert not hasattr(ops.nn, "np_ops")  # the module's imports are not in the namespace
