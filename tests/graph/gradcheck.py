"""The finite-difference check shared by the primitive VJP tests and the ops table: the
gradient that autodiff builds equals central differences of the loss (float64, evaluated on
the reference backend)."""

import numpy as np

from fastkeras import backends
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate

REF = backends.get("reference")


def assert_grad_matches_finite_differences(loss, xs, inputs, diff, err_msg=""):
    """loss: a scalar float64 tensor of a graph whose placeholders `xs` are fed `inputs`;
    diff: the indices of the inputs to differentiate (contiguous copies of their arrays are
    perturbed in place)."""
    # Contiguous copies: a strided array's reshape(-1) below would be a copy, its
    # perturbations never fed (zero numeric gradients).
    inputs = [np.array(x, order="C") for x in inputs]
    grads = grad(loss, [xs[i] for i in diff])
    feed = dict(zip(xs, inputs))
    values = evaluate([loss] + [gr for gr in grads if gr is not None], feed, REF)
    got = iter(values[1:])
    for i, gr in zip(diff, grads):
        analytic = next(got) if gr is not None else np.zeros_like(inputs[i])
        numeric = np.zeros_like(inputs[i])
        flat = inputs[i].reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            h = 1e-6 * max(1.0, abs(old))
            flat[j] = old + h
            plus = evaluate([loss], feed, REF)[0]
            flat[j] = old - h
            minus = evaluate([loss], feed, REF)[0]
            flat[j] = old
            numeric.reshape(-1)[j] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{err_msg} input {i}")
