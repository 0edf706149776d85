"""Loss functions used as metrics, looked up in fastkeras.losses by name when a metric
first runs (so a metric class exists even before its loss function does)."""

from __future__ import annotations


def loss_function(name):
    """A function `(y_true, y_pred, **kw)` calling `fastkeras.losses.<name>`."""

    def call(y_true, y_pred, **kwargs):
        from .. import losses
        fn = getattr(losses, name, None)
        if fn is None:
            raise NotImplementedError(f"The metric needs fastkeras.losses.{name}, which this "
                                      "version of fastkeras does not have yet")
        return fn(y_true, y_pred, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
