"""Elementwise fusion: chains of elementwise primitives become one `elementwise_program`
node (graph/primitives/program.py), which the backends run as one pass over memory.

Runs after the pattern passes of graph/passes.py (a Dense epilogue or a fused loss gradient
beats a program), in four steps (decisions.md, "Elementwise programs"):
  1. group: in topological order a node joins the group of a producer, else of a sibling
     (another reader of its input), when it is a `program_op` primitive computing in one
     float dtype T (bool allowed for comparisons and casts) with the group's shape and T,
     the group reads at most MAX_INPUTS values, and joining makes no cycle (no other input
     of the node depends on the group through outside nodes; another group counts whole);
  2. compile: each group's program; a value another group made is recomputed from that
     group's inputs unless its primitive is `costly` (then it is read, so stored);
  3. settle, last group first: a `sum` over every axis but the last of a member's value
     becomes a column-sum output of the program (the value itself is then stored only if
     something else reads it); a member's value read outside (or a plan root) becomes an
     output; a group over the native operand limit stays unfused;
  4. rewrite: the output Tensor objects move to the fused node (its last member), so every
     reader and root follows without rewiring; the graph is re-sorted topologically.
"""

from __future__ import annotations

from .core import Graph, Tensor
from .primitive import FLOAT_DTYPES
from .primitive import get as get_primitive
from .primitives.program import CONST

MAX_OPERANDS = 16  # kMaxOperands of csrc/include/fastkeras/tensor.hpp
MAX_INPUTS = 10     # leaves room for outputs; a group that still needs too many is not fused
MAX_RECOMPUTE = 64  # instructions one value may cost to recompute instead of being read


def _key(t: Tensor):
    return (t.node.id, t.index)


def _compute_dtype(node):
    """T when `node` may be a program instruction: exactly one float dtype among its
    operands, the others bool; else None."""
    dtypes = {t.dtype for t in node.inputs + node.outputs}
    floats = dtypes & set(FLOAT_DTYPES)
    if len(floats) != 1 or dtypes - floats - {"bool"}:
        return None
    return floats.pop()


def _immediate(t: Tensor) -> bool:
    return t.node.kind == "constant" and t.node.value.size == 1


class _Group:
    def __init__(self, node, dtype, pos):
        self.members = [node]
        self.ids = {node.id}
        self.shape = node.outputs[0].shape
        self.dtype = dtype
        self.first = pos  # position of the first member in graph.nodes
        # Set by _Fuser.compile: the program over `inputs`, and the keys it reads as inputs.
        self.program, self.inputs, self.reg, self.reads = [], [], {}, set()
        self.sums = []  # (sum node, member output) absorbed as column-sum outputs
        self.fused = False


class _Fuser:
    def __init__(self, graph: Graph, uses):
        self.graph = graph
        self.uses = uses
        self.pos = {n.id: i for i, n in enumerate(graph.nodes)}
        self.group_of = {}
        self.live = uses.live_ids(graph)

    # ---- 1. grouping -------------------------------------------------------------------
    def _depends_on_group(self, start, group):
        """Whether `start` (a node outside `group`) reads a member through nodes outside
        the group. A node of another group stands for its whole group (the fused node
        reads every member's inputs), so the groups stay acyclic among themselves too.
        Nodes placed before the group's first member, in no group that reaches past it,
        cannot read a member: the walk stops there."""
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            other = self.group_of.get(node.id)
            if other is None and self.pos[node.id] < group.first:
                continue
            if other is not None and other is not group:
                if self.pos[other.members[-1].id] < group.first:
                    continue
                seen.update(m.id for m in other.members)
                sources = [x for m in other.members for x in m.inputs]
            else:
                sources = node.inputs
            for x in sources:
                if x.node.id in group.ids:
                    return True
                stack.append(x.node)
        return False

    def _can_join(self, node, dtype, group):
        if group.shape != node.outputs[0].shape or group.dtype != dtype:
            return False
        reads = {_key(x) for m in group.members + [node] for x in m.inputs
                 if x.node.id not in group.ids and not _immediate(x)}
        if len(reads) > MAX_INPUTS:
            return False
        return not any(x.node.id not in group.ids and self._depends_on_group(x.node, group)
                       for x in node.inputs)

    def _candidates(self, node):
        """Groups `node` may join: its producers' first, then those of other readers of its
        inputs (siblings: one pass then reads the shared input once)."""
        seen = []
        for x in node.inputs:
            g = self.group_of.get(x.node.id)
            if g is not None and g not in seen:
                seen.append(g)
        for x in node.inputs:
            if _immediate(x):
                continue
            for c in self.uses.consumers(x):
                g = self.group_of.get(c.id)
                if g is not None and g not in seen:
                    seen.append(g)
        return seen

    def group(self):
        groups = []
        for node in self.graph.nodes:
            if node.prim is None or not node.prim.program_op or len(node.outputs) != 1 or \
                    node.id not in self.live:
                continue
            dtype = _compute_dtype(node)
            if dtype is None:
                continue
            group = next((g for g in self._candidates(node) if self._can_join(node, dtype, g)),
                         None)
            if group is None:
                group = _Group(node, dtype, self.pos[node.id])
                groups.append(group)
            else:
                group.members.append(node)
                group.ids.add(node.id)
            self.group_of[node.id] = group
        return groups

    # ---- 2. programs, recomputing cheap producers ------------------------------------
    def compile(self, group):
        """The group's program. A value made by another group's members (same shape and
        dtype) is recomputed from that group's own inputs instead of read, when that keeps
        the inputs within MAX_INPUTS: compute is cheap, a stored intermediate costs a write
        and a read of the whole tensor (a backward pass reads its forward values)."""
        consts = {}

        def emit(op, args, dtype):
            group.program.append((op, tuple(args), dtype))
            return len(group.program) - 1  # instruction index; registers fixed up below

        def const(x):
            value = float(x.node.value.reshape(()).item())
            key = (value.hex(), x.dtype)  # by bits: -0.0 == 0.0 would share a register
            if key not in consts:
                consts[key] = ("i", emit(CONST, (value,), x.dtype))
            return consts[key]

        def read(x):
            if _key(x) not in group.reg:
                group.reg[_key(x)] = ("in", len(group.inputs))
                group.inputs.append(x)
                group.reads.add(_key(x))
            return group.reg[_key(x)]

        def recompute(x, budget):
            """x's producer's instruction (and its own producers') in this program, or None
            when that would read too many inputs."""
            node = x.node
            other = self.group_of.get(node.id)
            if other is None or other is group or other.shape != group.shape or \
                    other.dtype != group.dtype or budget[0] <= 0 or node.prim.costly:
                return None
            budget[0] -= 1
            args = []
            for y in node.inputs:
                args.append(value(y, budget))
                if len(group.inputs) > MAX_INPUTS:
                    return None
            return ("i", emit(node.prim.name, args, node.outputs[0].dtype))

        def value(x, budget=None):
            k = _key(x)
            if k in group.reg:
                return group.reg[k]
            if _immediate(x):
                return const(x)
            if budget is not None or x.node.id not in group.ids:
                saved = (len(group.program), len(group.inputs), dict(group.reg),
                         set(group.reads), dict(consts))
                r = recompute(x, budget if budget is not None else [MAX_RECOMPUTE])
                if r is None:  # undo the partial chain, read the value instead
                    del group.program[saved[0]:]
                    del group.inputs[saved[1]:]
                    group.reg, group.reads = saved[2], saved[3]
                    consts.clear()
                    consts.update(saved[4])
                    return read(x)
                group.reg[k] = r
                return r
            raise AssertionError("a member's value is used before it is computed")

        for m in group.members:
            r = ("i", emit(m.prim.name, [value(x) for x in m.inputs], m.outputs[0].dtype))
            group.reg[_key(m.outputs[0])] = r
        k = len(group.inputs)
        number = {"in": lambda i: i, "i": lambda i: k + i}
        group.program = [(op, args if op == CONST else tuple(number[s](i) for s, i in args),
                          dtype) for op, args, dtype in group.program]
        group.reg = {key: number[s](i) for key, (s, i) in group.reg.items()}

    # ---- 3. outputs, last group first ---------------------------------------------------
    def _column_sums(self, group):
        """The live `sum` nodes over every axis but the last of a member's value (same
        dtype, no keepdims): the program computes them as it goes."""
        nd = len(group.shape)
        if nd < 2:
            return []
        leading = list(range(nd - 1))
        found = []
        for m in group.members:
            t = m.outputs[0]
            if t.dtype != group.dtype:
                continue
            for c in self.uses.consumers(t):
                if c.prim is None or c.prim.name != "sum" or c.id not in self.live or \
                        c.attrs["keepdims"] or c.inputs[0] is not t:
                    continue
                axes = c.attrs["axes"]
                axes = range(nd) if axes is None else (axes,) if isinstance(axes, int) else axes
                if sorted(a % nd for a in axes) == leading:
                    found.append((c, t))
        return found

    def _read_outside(self, t, group, read_by_programs):
        """Whether the value t of a member must be stored: a plan root, read by some
        program (directly, or to recompute another value from it; counted for every group,
        fused or not, which can only store more than needed), or read by a live node that
        runs on its own."""
        if _key(t) in self.uses.roots or _key(t) in read_by_programs:
            return True
        absorbed = {s.id for s, _ in group.sums}
        for c in self.uses.consumers(t):
            if c.id in group.ids or c.id not in self.live or c.id in absorbed:
                continue
            other = self.group_of.get(c.id)
            if other is None or not other.fused:
                return True
        return False

    def settle(self, groups):
        """Outputs and whether to fuse, last group first: a later group's decision is then
        final when an earlier one's outputs depend on it (an unsettled one counts as
        unfused, whose members read what they read)."""
        read_by_programs = set().union(*(g.reads for g in groups))
        for group in reversed(groups):
            group.sums = self._column_sums(group)
            outs = [m.outputs[0] for m in group.members
                    if self._read_outside(m.outputs[0], group, read_by_programs)]
            if len(group.inputs) + len(outs) + len(group.sums) > MAX_OPERANDS:
                group.sums = []  # the operand limit: keep the sums as their own nodes
                outs = [m.outputs[0] for m in group.members
                        if self._read_outside(m.outputs[0], group, read_by_programs)]
            group.outputs = outs
            group.fused = (len(group.members) > 1 or bool(group.sums)) and \
                bool(outs or group.sums) and \
                len(group.inputs) + len(outs) + len(group.sums) <= MAX_OPERANDS

    # ---- 4. rewrite ---------------------------------------------------------------------
    def rewrite(self, group):
        last = group.members[-1]
        out_regs = tuple(group.reg[_key(t)] for t in group.outputs)
        sum_regs = tuple(group.reg[_key(t)] for _, t in group.sums)
        sum_outs = [s.outputs[0] for s, _ in group.sums]
        for m in group.members[:-1] + [s for s, _ in group.sums]:  # dead now: their values
            m.outputs, m.inputs, m.prim, m.kind = [], [], None, "fused_away"  # come from here
        last.prim = get_primitive("elementwise_program")
        last.inputs = list(group.inputs)
        last.attrs = {"program": tuple(group.program), "outputs": out_regs, "sums": sum_regs,
                      "shape": group.shape}
        for i, t in enumerate(group.outputs + sum_outs):
            t.node, t.index = last, i
        last.outputs = list(group.outputs) + sum_outs


def fuse_elementwise(graph: Graph, uses):
    """Replaces chains of program_op primitives by elementwise_program nodes."""
    fuser = _Fuser(graph, uses)
    groups = fuser.group()
    for group in groups:
        fuser.compile(group)
    fuser.settle(groups)
    fused = [g for g in groups if g.fused]
    for group in fused:  # keys go stale from here on: tensors move to the fused nodes
        fuser.rewrite(group)
    if fused:
        graph.sort()  # a reader of an early member may sit before the last one
