"""Read-after-write inside one traced step.

A traced step's effects (Variable.assign, optimizer updates, metric sums, counters) all run
at the end of its compiled plan, after every pure op. Keras runs a step eagerly (or, under
JAX, in a StatelessScope), so a variable read *after* an update in the step sees the new
value. `StepWrites` keeps, per variable, what a read at this point of the trace must return:

  nothing written yet     the variable's own tensor (its value when the step starts)
  assign(v, x)            x, as a gradient leaf (stop_gradient, built when first read);
                          the effect still writes it at the end
  increment / accumulate  the old read plus 1 / plus sum(x), built only when read, so a
                          step that never reads them back has the same plan as before
  an in-place kernel      (sgd_update, adam_update, constrain) no tensor holds the new
                          value: a read raises, rather than silently give the old one

Effects themselves take the variables' own tensors (they run in recording order on the
state, so each sees the ones before it), and so do raw handles such as the SeedGenerator's
counter, which every draw of a step reads at its start value on purpose (ops/random.py).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

# Operand positions each effect primitive writes (graph/primitives/updates.py); an effect
# not listed is taken to write its first operand in place.
WRITTEN_OPERANDS = {
    "assign": (0,), "increment": (0,), "accumulate": (0,), "constrain": (0,),
    "sgd_update": (0,), "sgd_momentum_update": (0, 2), "adam_update": (0, 2, 3),
}
_OPTIMIZER_KERNELS = ("sgd_update", "sgd_momentum_update", "adam_update")


class ReadAfterNativeUpdate(NotImplementedError):
    """A variable read after an optimizer's native in-place kernel updated it in the step
    (the trainers trace such a step again with the updates written as ops)."""


# Whether optimizers may bind their native in-place kernels in the step being traced; off
# while a step that reads updated variables is traced again (`updates_as_ops`).
_NATIVE_UPDATES = [True]


def native_updates_allowed() -> bool:
    return _NATIVE_UPDATES[0]


@contextmanager
def updates_as_ops():
    """Optimizers write their updates as ops (each new value a tensor a later read can
    take: a GAN step reading the discriminator it just updated), not native kernels."""
    _NATIVE_UPDATES[0] = False
    try:
        yield
    finally:
        _NATIVE_UPDATES[0] = True


class _Later:
    """A value built from the trace's ops when first read (then kept)."""

    def __init__(self, build):
        self._build, self._tensor = build, None

    def tensor(self):
        if self._tensor is None:
            self._tensor = self._build()
        return self._tensor


class _InPlace:
    """A variable a native kernel updates in place: no tensor holds its new value."""

    def __init__(self, prim_name):
        self.prim_name = prim_name


class StepWrites:
    def __init__(self, graph, bind):
        self._graph = graph
        self._bind = bind  # graph/core.py's, handed in: core builds on this module
        self._entries: dict = {}  # variable uid -> Tensor, _Later or _InPlace
        self._leaves: dict = {}  # variable uid -> the reads after a write handed out

    def __bool__(self):
        return bool(self._entries)

    def touches(self, variables) -> bool:
        return any(v.uid in self._entries for v in variables)

    def read(self, var):
        """The tensor a read of `var` at this point of the trace gives."""
        return self._value(var, self._entries.get(var.uid))

    def _value(self, var, entry):
        if entry is None:
            return self._graph.variable(var)
        if isinstance(entry, _Later):
            return entry.tensor()
        if isinstance(entry, _InPlace):
            error = (ReadAfterNativeUpdate if entry.prim_name in _OPTIMIZER_KERNELS
                     else NotImplementedError)
            raise error(_in_place_message(var, entry.prim_name))
        return entry

    def record(self, prim_name, inputs, tensors):
        """Notes what effect `prim_name` (bound on `inputs`, recorded on `tensors`) writes."""
        for pos in WRITTEN_OPERANDS.get(prim_name, (0,)):
            node = tensors[pos].node
            if node.kind == "variable":
                members = [node.variable]
            elif node.kind == "variable_group":
                members = list(node.variables)
            else:
                continue
            if prim_name == "assign":
                self._record_assign(members, node.kind == "variable_group", inputs[1],
                                    tensors[1])
            elif prim_name == "increment":
                # (`add` takes floating-point operands: counted in float64, exact to 2**53)
                b = self._bind
                self._record_sum(members[0], lambda prev: b("cast", b(
                    "add", b("cast", prev, dtype="float64"), 1.0), dtype="int64"))
            elif prim_name == "accumulate":
                x, dtype = tensors[1], members[0].dtype
                b = self._bind
                self._record_sum(members[0], lambda prev: b(
                    "add", prev, b("sum", b("cast", x, dtype=dtype), axes=None)))
            else:
                for v in members:
                    self._entries[v.uid] = _InPlace(prim_name)

    def _record_assign(self, members, flat, source, source_tensor):
        from .variable import Variable  # noqa: PLC0415 (the same module core imports)
        if isinstance(source, Variable):
            # The source's value at this point of the trace (not its later writes).
            value = self._entries.get(source.uid) or self._graph.variable(source)
        else:
            value = source_tensor
        if not flat:
            if not isinstance(value, (_Later, _InPlace)) and value.node.kind != "variable":
                value = _Later(lambda t=value, v=members[0]: self._leaf(t, v))
            self._entries[members[0].uid] = value
            return
        start = 0
        for v in members:  # a flat update of back-to-back variables: each its own slice
            size = math.prod(v.shape)
            self._entries[v.uid] = _Later(self._member_of(value, v, start, size))
            start += size

    def _record_sum(self, var, step):
        prev = self._entries.get(var.uid)
        self._entries[var.uid] = _Later(lambda: self._leaf(step(self._value(var, prev)), var))

    def _member_of(self, flat_entry, var, start, size):
        def build():
            flat = flat_entry.tensor() if isinstance(flat_entry, _Later) else flat_entry
            part = self._bind("slice", flat, axis=0, start=start, stop=start + size)
            return self._leaf(self._bind("reshape", part, shape=var.shape), var)
        return build

    def _leaf(self, tensor, var):
        """A read of a variable is a leaf, as in Keras: no gradient flows back through it
        into whatever computed the value assigned (a GAN's generator loss must not
        differentiate the discriminator's update)."""
        leaf = self._bind("stop_gradient", tensor)
        self._leaves.setdefault(var.uid, []).append(leaf)
        return leaf

    def reads_after_write(self, var) -> list:
        """The tensors that reads of `var` after a write in this step gave (leaves)."""
        return list(self._leaves.get(var.uid, ()))


def _in_place_message(var, prim_name):
    if prim_name in _OPTIMIZER_KERNELS:
        what = "`optimizer.apply(...)` (its native in-place update)"
    elif prim_name == "constrain":
        what = "its constraint (applied in place right after `optimizer.apply(...)`)"
    else:
        what = f"the in-place effect `{prim_name}`"
    return (f"Variable {var.path!r} is read after {what} updated it earlier in the same "
            "traced step. fastkeras runs that update at the end of the compiled step, so "
            "this read would silently see the value from before the update, where Keras "
            "sees the updated one. Restructure the step so that every value computed from "
            "these variables is computed before the `optimizer.apply(...)` that updates "
            "them (e.g. take all losses and gradients first, then apply the updates), or "
            "do the second part in a separate step.")
