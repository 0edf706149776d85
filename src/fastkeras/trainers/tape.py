"""GradientTape: the gradient API of a custom train_step, in the form of Keras's TensorFlow
guide (`with tape: ...; tape.gradient(loss, variables)`), so such a step runs unchanged
but for the import. A step is traced into a graph, so the tape records nothing: gradient()
is the graph's autodiff, and the gradients are traced into the native step like the rest."""

from __future__ import annotations

from ..graph import Tensor, Variable
from ..graph.autodiff import grad


class GradientTape:
    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def watch(self, tensor):
        """Every traced value can be differentiated: nothing to record."""

    def gradient(self, target, sources):
        """d target / d source for each source (a Variable or a traced tensor), None where
        target does not depend on it; a list for a list, one value for one source."""
        if not isinstance(target, Tensor):
            raise ValueError("GradientTape.gradient works inside a traced step "
                             "(Model.train_step), on the traced loss; got "
                             f"{type(target).__name__}")
        single = not isinstance(sources, (list, tuple))
        items = [sources] if single else list(sources)
        graph = target.graph
        wrt = [graph.variable(v) if isinstance(v, Variable) else v for v in items]
        grads = grad(target, wrt)
        return grads[0] if single else grads
