"""The checks test_ctc.py and test_circle.py share: their cases of
tests/fixtures/loss_seq_cases.py against the numbers real Keras 3 gave
(keras_losses_seq.npz/json, made by make_keras_losses_seq.py)."""

import inspect
import json

import numpy as np

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.losses.loss import Loss

from ..fixtures import loss_seq_cases as cases

FIXTURE = np.load(cases.__file__.replace("loss_seq_cases.py", "keras_losses_seq.npz"))
with open(cases.__file__.replace("loss_seq_cases.py", "keras_losses_seq.json")) as f:
    KERAS = json.load(f)

# Cases whose losses are all tiny (1e-11): compared relatively, so that a loss rounded to
# 0 (and so dropped from the masked mean) would fail.
RELATIVE = {"circle_separated"}


# A CTC loss above this is a label sequence too long for its T (Keras's log(0) is -1e5).
IMPOSSIBLE = 1e4


def _tolerance(case):
    return dict(rtol=1e-4, atol=0.0) if case in RELATIVE else dict(rtol=1e-5, atol=1e-6)


def check_values_and_reductions(case):
    """The function's values and the class under every reduction, with and without
    sample weights, eagerly on the active backend."""
    got = cases.run_case(keras, case)
    keys = [k[len(case) + 2:] for k in FIXTURE.files
            if k.startswith(case + "__") and not k.endswith("__grad")]
    assert sorted(got) == sorted(keys)
    for key in keys:
        want = FIXTURE[f"{case}__{key}"]
        assert got[key].shape == want.shape, key
        np.testing.assert_allclose(got[key], want, err_msg=key, **_tolerance(case))


def check_traced_value_and_gradient(backend, case):
    """The weighted loss recorded into a graph (as in the training step) and its
    gradient with respect to y_pred by autodiff: Keras's value, and jax.grad's gradient
    within 1e-4."""
    y_true, y_pred, sw = cases.inputs(case)
    g = Graph("loss")
    with g:
        yt = g.placeholder(y_true.shape, y_true.dtype.name)
        yp = g.placeholder(y_pred.shape, "float32")
        w = g.placeholder(sw.shape, "float32")
        loss = cases.make_loss(keras, case)(yt, yp, sample_weight=w)
        (d_pred,) = grad(loss, [yp])
    value, gradient = evaluate([loss, d_pred], {yt: y_true, yp: y_pred, w: sw},
                               backends.get(backend))
    np.testing.assert_allclose(value, FIXTURE[f"{case}__sum_over_batch_size__sw"],
                               **_tolerance(case))
    want = FIXTURE[f"{case}__grad"]
    tol = dict(rtol=1e-3, atol=0.0) if case in RELATIVE else dict(rtol=1e-4, atol=1e-4)
    impossible = FIXTURE[f"{case}__fn"] > IMPOSSIBLE
    np.testing.assert_allclose(gradient[~impossible], want[~impossible], **tol)
    # A CTC row whose labels cannot fit in T has a loss near 1e5 (log(0) is -1e5), where
    # float32's spacing is 0.008: its path posteriors, and so its gradient, hold about
    # two digits in Keras as here.
    np.testing.assert_allclose(gradient[impossible], want[impossible], rtol=0, atol=2e-3)


def check_fit(case):
    keras.utils.set_random_seed(0)
    got = cases.run_fit(keras, case)
    np.testing.assert_allclose(got["history"], FIXTURE[f"{case}__history"], rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(got["weights"], FIXTURE[f"{case}__weights"], rtol=1e-4,
                               atol=1e-4)


def _signature(obj):
    params = inspect.signature(obj).parameters.values()
    return [[p.name, "<required>" if p.default is p.empty else p.default] for p in params
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def check_names_configs_and_signatures(class_name, function_name):
    """`get` of both names, the class's configs (serialize, and back through deserialize)
    and both signatures, as Keras's."""
    for name in (class_name, function_name):
        want, got = KERAS["names"][name], keras.losses.get(name)
        if want["kind"] == "function":
            assert inspect.isfunction(got) and got.__name__ == want["object"]
        else:
            assert isinstance(got, Loss) and type(got).__name__ == want["object"]
    configs = {k: make for k, make in cases.CONFIG_CASES.items()
               if KERAS["configs"][k]["class_name"] == class_name}
    assert configs
    for key, make in configs.items():
        loss = make(keras)
        config = keras.losses.serialize(loss)
        assert config == KERAS["configs"][key], key
        again = keras.losses.deserialize(config)
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    cls, fn = getattr(keras.losses, class_name), getattr(keras.losses, function_name)
    assert _signature(cls.__init__) == KERAS["class_signatures"][class_name]
    assert _signature(fn) == KERAS["function_signatures"][function_name]
    assert keras.losses.serialize(fn) == KERAS["function_configs"][function_name]
