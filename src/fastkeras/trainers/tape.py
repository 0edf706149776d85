"""GradientTape: the gradient API of a custom train_step, in the form of Keras's TensorFlow
guide (`with tape: ...; tape.gradient(loss, variables)`), so such a step runs unchanged
but for the import. A step is traced into a graph, so the tape records nothing: gradient()
is the graph's autodiff, and the gradients are traced into the native step like the rest."""

from __future__ import annotations

from ..graph import Tensor, Variable
from ..graph.autodiff import depends_on, grad


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
        for v in items:
            if isinstance(v, Variable):
                _refuse_reads_after_write(graph, target, v)
        wrt = [graph.variable(v) if isinstance(v, Variable) else v for v in items]
        grads = grad(target, wrt)
        return grads[0] if single else grads


def _refuse_reads_after_write(graph, target, var):
    """TensorFlow's tape would differentiate a read of `var` made after the step wrote it
    (assign, an update) too; a traced step reads the written value as a new leaf, so such a
    gradient would silently miss that path: refused instead."""
    late = graph.writes.reads_after_write(var)
    if late and depends_on(graph, late, target):
        raise NotImplementedError(
            f"GradientTape.gradient: the target reads variable {var.path!r} after it was "
            "written in this step (assign or an optimizer update). fastkeras differentiates "
            "a variable only through its reads before the write; take the gradient before "
            "writing the variable, or differentiate the new value's tensor instead.")
