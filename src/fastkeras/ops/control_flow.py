"""Control flow (keras.ops cond, switch, fori_loop, while_loop, map, vectorized_map,
associative_scan, custom_gradient).

Eagerly (NumPy values) each runs as plain Python with Keras's (JAX backend's) semantics.
Traced (a symbolic Tensor decides, inside a compiled step) a plan is static, so:

* cond / switch trace every branch and pick each output leaf with `where`: unlike
  lax.cond, every branch runs (its cost is paid; a NaN of the branch not taken never leaks,
  `where` is exact, but its gradient is zero times the branch's, NaN if that is inf/NaN).
  A branch that records an effect (assign, add_loss, metric, random draw) is refused: the
  effect would happen whatever the predicate.
* fori_loop needs concrete bounds and runs as a `scan` over the loop index.
* while_loop needs `maximum_iterations`: a scan of that many steps whose step applies the
  body only while `cond` holds (carry = where(cond, body(carry), carry)).
* map / vectorized_map are a scan over the leading axis (vectorized_map has map's meaning;
  a plan writes the loop out either way).
* associative_scan is a Hillis-Steele scan: log2(n) calls of f on shifted windows.
* custom_gradient records a `custom_gradient` node whose VJP calls the user's grad_fn
  (graph/primitives/custom_gradient.py)."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable, bind
from ..graph.core import current_graph
from .arrays import flip
from .core import convert, dtype_of, shape_of
from .elementwise_math import where
from .loops import _flatten, scan
from .numpy import cast, clip, concatenate, equal, not_equal
from .symbolic import symbolic_dispatch

__all__: list[str] = ["associative_scan", "cond", "custom_gradient", "fori_loop", "map",
                      "switch", "vectorized_map", "while_loop"]

_FLOATS = ("float32", "float64")


# ---- helpers ----------------------------------------------------------------------------

def _treedef(tree):
    """A hashable picture of a structure, leaves as '*' (to compare two structures)."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return ("dict", tuple((k, _treedef(tree[k])) for k in sorted(tree)))
    if isinstance(tree, (list, tuple)):
        return (type(tree).__name__, tuple(_treedef(t) for t in tree))
    return "*"


def _is_traced(x) -> bool:
    """Whether x has no value now: a graph Tensor, or a Variable read inside a trace."""
    return isinstance(x, Tensor) or (isinstance(x, Variable) and current_graph() is not None)


def _any_traced(tree) -> bool:
    return any(_is_traced(v) for v in _flatten(tree)[0])


def _value(x):
    """The concrete value of a non-traced x, as an array."""
    return np.asarray(x.numpy() if isinstance(x, Variable) else x)


def _leaves_as_tensors(tree):
    """(leaves converted as convert_to_tensor does, rebuild)."""
    leaves, rebuild = _flatten(tree)
    return [convert(v) for v in leaves], rebuild


def _as_tensors(tree):
    leaves, rebuild = _leaves_as_tensors(tree)
    return rebuild(leaves)


def _check_same(what, names, outs, error=TypeError):
    """All `outs` (structures) alike in structure, leaf shapes and dtypes (as lax.cond)."""
    defs = [_treedef(o) for o in outs]
    specs = [[(tuple(shape_of(v)), dtype_of(v)) for v in _leaves_as_tensors(o)[0]] for o in outs]
    for name, d, s in zip(names[1:], defs[1:], specs[1:]):
        if d != defs[0]:
            raise error(f"{what} outputs must have the same structure, but {names[0]} gives "
                        f"{defs[0]} and {name} gives {d}")
        for i, (a, b) in enumerate(zip(specs[0], s)):
            if a != b:
                raise error(f"{what} outputs must have equal types, but output {i} of "
                            f"{names[0]} is {a[1]}{list(a[0])} and of {name} is "
                            f"{b[1]}{list(b[0])}")


def _select(c, a, b):
    """where(c, a, b) keeping a's dtype: integers and bools go through float64 (exact for
    int32, and int64 up to 2**53) since `where` computes in floats."""
    dt = dtype_of(a)
    if dt in _FLOATS:
        return where(c, a, b)
    return cast(where(c, cast(a, "float64"), cast(b, "float64")), dt)


def _pick(c, a, b):
    """Leafwise _select of two structures alike."""
    la, rebuild = _leaves_as_tensors(a)
    lb, _ = _leaves_as_tensors(b)
    return rebuild([_select(c, x, y) for x, y in zip(la, lb)])


def _scalar_bool(x, what):
    """A traced scalar predicate as a bool tensor (non-zero is True, as lax.cond)."""
    x = convert(x)
    if tuple(shape_of(x)) != ():
        raise TypeError(f"{what} must be a scalar, got shape {tuple(shape_of(x))}")
    return x if dtype_of(x) == "bool" else not_equal(x, 0)


def _no_effects(what, run):
    """run() with a check that it records no effect on the current graph."""
    graph = current_graph()
    before = len(graph.effects) if graph is not None else 0
    out = run()
    if graph is not None and len(graph.effects) != before:
        kinds = sorted({n.prim.name for n in graph.effects[before:]})
        raise NotImplementedError(
            f"{what} records effects ({', '.join(kinds)}: a variable assign, add_loss, a "
            "metric update or a random draw). With a traced predicate fastkeras runs every "
            "branch and selects the results, so the effect would happen whatever the "
            "predicate; compute the values in the branches and do the effect once outside.")
    return out


def _bound(x, name):
    """A concrete loop bound as a Python int."""
    if _is_traced(x):
        raise NotImplementedError(
            f"fori_loop: `{name}` is a traced tensor. A compiled fastkeras step runs a fixed "
            "number of loop steps, so the bounds must be Python (or NumPy) numbers; for a "
            "data-dependent count use while_loop with maximum_iterations.")
    v = _value(x)
    if v.shape != ():
        raise TypeError(f"fori_loop: `{name}` must be a scalar, got shape {v.shape}")
    return int(v)


# ---- cond / switch ----------------------------------------------------------------------

def cond(pred, true_fn, false_fn):
    """true_fn() if pred else false_fn() (keras.ops.cond). A concrete pred runs one branch;
    a traced pred runs both and selects each output leaf (module docstring)."""
    if not _is_traced(pred):
        p = _value(pred)
        if p.shape != ():
            raise TypeError(f"Pred must be a scalar, got {p} of shape {p.shape}.")
        return _as_tensors(true_fn() if bool(p) else false_fn())
    p = _scalar_bool(pred, "Pred")
    outs = _no_effects("cond: a branch", lambda: (true_fn(), false_fn()))
    _check_same("cond branch", ["true_fn", "false_fn"], outs)
    return _pick(p, *outs)


def switch(index, branches, *operands):
    """branches[clip(index, 0, len - 1)](*operands) (keras.ops.switch). A traced index runs
    every branch and selects each output leaf."""
    branches = list(branches)
    if not branches:
        raise ValueError("Empty branch sequence")
    last = len(branches) - 1
    if not _is_traced(index):
        i = _value(index)
        if i.dtype.kind not in "iu":
            raise TypeError(f"Index type must be an integer, got {i} as {i.dtype}")
        if i.shape != ():
            raise TypeError(f"Branch index must be scalar, got {i} of shape {i.shape}.")
        return _as_tensors(branches[int(np.clip(i, 0, last))](*operands))
    index = convert(index)
    if dtype_of(index) not in ("int32", "int64"):
        raise TypeError(f"Index type must be an integer, got {dtype_of(index)}")
    if tuple(shape_of(index)) != ():
        raise TypeError(f"Branch index must be scalar, got shape {tuple(shape_of(index))}.")
    index = clip(index, 0, last)
    outs = _no_effects("switch: a branch", lambda: [b(*operands) for b in branches])
    _check_same("switch branch", [f"branch {k}" for k in range(len(outs))], outs)
    result = outs[last]
    for k in range(last - 1, -1, -1):
        result = _pick(equal(index, k), outs[k], result)
    return result


# ---- loops -------------------------------------------------------------------------------

def _checked_step(what, step, carry):
    """step(carry), checked to keep carry's structure and shapes (JAX's TypeError). A leaf
    of another dtype is cast back to the carry's: fastkeras computes integer arithmetic in
    floats (ops.add of int32 gives float32), so `n + 1` on a counter must stay a counter."""
    new = step(carry)
    old_leaves, _ = _leaves_as_tensors(carry)
    new_leaves, rebuild = _leaves_as_tensors(new)
    if _treedef(new) != _treedef(carry):
        raise TypeError(f"{what}: the carry input and output must have the same structure, "
                        f"got {_treedef(carry)} and {_treedef(new)}")
    for i, (a, b) in enumerate(zip(old_leaves, new_leaves)):
        if tuple(shape_of(a)) != tuple(shape_of(b)):
            raise TypeError(f"{what}: carry input and output must have equal shapes, but "
                            f"carry {i} is {list(shape_of(a))} in and {list(shape_of(b))} out")
    return rebuild([b if dtype_of(b) == dtype_of(a) else cast(b, dtype_of(a))
                    for a, b in zip(old_leaves, new_leaves)])


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper) (keras.ops.fori_loop). Traced
    (init_val holds tensors, or inside a trace) it is a scan over the index, which the body
    gets as an int32 scalar tensor; eagerly it gets a Python int."""
    lo, hi = _bound(lower, "lower"), _bound(upper, "upper")
    if current_graph() is None and not _any_traced(init_val):
        val = _as_tensors(init_val)
        for i in range(lo, hi):
            val = body_fun(i, val)
        return _as_tensors(val)
    val = _as_tensors(init_val)
    if hi <= lo:
        return val
    final, _ = scan(lambda c, i: (_checked_step("fori_loop body", lambda v: body_fun(i, v), c),
                                  None),
                    val, np.arange(lo, hi, dtype=np.int32))
    return final


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """loop_vars = body(*loop_vars) while cond(*loop_vars) (at most maximum_iterations
    times), keras.ops.while_loop; a list or tuple of loop_vars is passed positionally and
    comes back as a tuple (as Keras's JAX backend). A traced condition needs
    maximum_iterations: a compiled step runs a fixed number of steps."""
    is_seq = isinstance(loop_vars, (list, tuple))

    def as_args(v):
        return tuple(v) if is_seq else (v,)

    def finish(v):
        return tuple(v) if is_seq else v[0]

    limit = None if maximum_iterations is None else _bound(maximum_iterations,
                                                           "maximum_iterations")
    state, done = _as_tensors(as_args(loop_vars)), 0
    while limit is None or done < limit:
        c = cond(*state)
        if _is_traced(c):
            break
        c = _value(c)
        if c.shape != () or c.dtype != bool:
            raise TypeError(f"cond_fun must return a boolean scalar, but got {c.dtype}"
                            f"{list(c.shape)}")
        if not c:
            return finish(state)
        state, done = as_args(_as_tensors(body(*state))), done + 1
    else:
        return finish(state)
    if limit is None:
        raise NotImplementedError(
            "while_loop: the loop condition is a traced tensor and no maximum_iterations "
            "was given. A compiled fastkeras step runs a fixed number of steps: pass "
            "maximum_iterations=N; the loop then runs N steps, each applying `body` only "
            "while `cond` holds.")

    def step(carry, _):
        c = cond(*carry)
        if dtype_of(c) != "bool" or tuple(shape_of(c)) != ():
            raise TypeError(f"cond_fun must return a boolean scalar, but got {dtype_of(c)}"
                            f"{list(shape_of(c))}")
        new = _checked_step("while_loop body", lambda v: as_args(body(*v)), carry)
        return _pick(c, new, carry), None

    final, _ = scan(step, state, length=limit - done)
    return finish(final)


def map(f, xs):  # noqa: A001 - Keras's name
    """np.stack([f(x) for x in xs]) over the leading axis of every leaf of xs, for any
    structure f returns (keras.ops.map)."""
    leaves, rebuild = _flatten(xs)
    if not leaves:
        raise ValueError("map: xs must hold at least one array")
    shapes = [tuple(shape_of(v)) for v in leaves]
    if any(s == () for s in shapes):
        raise ValueError(f"map: every array of xs needs a leading axis, got shapes {shapes}")
    sizes = sorted({s[0] for s in shapes})
    if len(sizes) != 1:
        raise ValueError("scan got values with different leading axis sizes: "
                         + ", ".join(str(n) for n in sizes) + ".")
    if sizes[0] == 0:  # no step to stack: f's output types from a row of zeros
        row = rebuild([np.zeros(s[1:], dtype_of(convert(v))) for s, v in zip(shapes, leaves)])
        out_leaves, out_rebuild = _leaves_as_tensors(f(row))
        return out_rebuild([np.zeros((0,) + tuple(shape_of(y)), dtype_of(y))
                            for y in out_leaves])
    _, ys = scan(lambda c, x: (None, _as_tensors(f(x))), None, _as_tensors(xs))
    return ys


def vectorized_map(function, elements):
    """function applied to each slice of elements' leading axis, stacked
    (keras.ops.vectorized_map): map's meaning, which Keras's contract gives (a per-example
    function need not work on a batch)."""
    return map(function, elements)


def associative_scan(f, elems, reverse=False, axis=0):
    """[a, f(a, b), f(f(a, b), c), ...] along `axis` of every leaf of elems, for an
    associative f (keras.ops.associative_scan). Hillis-Steele: step s combines each element
    with the one 2**s before it, log2(n) calls of f; with reverse, the same on the flipped
    axis (as JAX)."""
    leaves, rebuild = _leaves_as_tensors(elems)
    if not leaves:
        raise ValueError("associative_scan: elems must hold at least one array")
    ndims = [len(shape_of(v)) for v in leaves]
    for nd in ndims:
        if not -nd <= axis < nd:
            raise ValueError(f"axis {axis} is out of bounds for array of dimension {nd}")
    axes = [axis % nd for nd in ndims]
    lens = {shape_of(v)[a] for v, a in zip(leaves, axes)}
    if len(lens) != 1:
        raise ValueError("Array inputs to associative_scan must have the same first "
                         f"dimension. (saw: {[tuple(shape_of(v)) for v in leaves]})")
    n = lens.pop()
    if reverse:
        leaves = [flip(v, a) for v, a in zip(leaves, axes)]

    def part(start, stop):
        return [bind("slice", v, axis=a, start=start, stop=stop) for v, a in zip(leaves, axes)]

    shift = 1
    while shift < n:
        combined = f(rebuild(part(0, n - shift)), rebuild(part(shift, n)))
        new, _ = _leaves_as_tensors(combined)
        if _treedef(combined) != _treedef(rebuild(leaves)):
            raise ValueError("associative_scan: f must return the structure of elems")
        leaves = [concatenate([head, c], a) for head, c, a in zip(part(0, shift), new, axes)]
        shift *= 2
    if reverse:
        leaves = [flip(v, a) for v, a in zip(leaves, axes)]
    return rebuild(leaves)


# ---- custom_gradient --------------------------------------------------------------------

def custom_gradient(f):
    """Decorator (keras.ops.custom_gradient): f(*args) returns (output, grad_fn); the
    decorated function returns output, and in a traced step its gradient is
    grad_fn(upstream) (one cotangent per float tensor argument, in order). Eagerly it just
    returns output (fastkeras differentiates traced steps only)."""
    def wrapper(*args, **kwargs):
        arg_leaves, _ = _flatten(list(args))
        if not _any_traced(arg_leaves) and current_graph() is None:
            out, _grad_fn = f(*args, **kwargs)
            return _as_tensors(out)
        return _custom_gradient_call(f, args, kwargs)
    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = f.__doc__
    return symbolic_dispatch(wrapper)  # on KerasTensors: a layer of the functional model


def _custom_gradient_call(f, args, kwargs):
    """The traced call of a function decorated with keras.ops.custom_gradient: f's outputs
    through one custom_gradient node whose VJP is grad_fn (on the upstream cotangents, in
    the structure of the outputs; it returns one gradient per flattened argument)."""
    graph = current_graph()
    leaves, rebuild = _flatten(list(args))
    leaves = [graph.read(v) if isinstance(v, Variable) and graph is not None else v
              for v in leaves]
    tensors = [i for i, v in enumerate(leaves) if isinstance(v, Tensor)]
    if any(leaves[i].graph.parent is not None for i in tensors) or \
            (graph is not None and graph.parent is not None):
        raise NotImplementedError(
            "custom_gradient inside a loop body (scan, fori_loop, while_loop, map) is not "
            "supported: the loop's gradient re-traces its body, which grad_fn's closure "
            "cannot follow. Call the decorated function outside the loop.")
    out, grad_fn = f(*rebuild(leaves), **kwargs)
    out_leaves, out_rebuild = _flatten(out)
    if not tensors:  # nothing to differentiate: the plain values
        return out_rebuild([convert(v) for v in out_leaves])
    home = leaves[tensors[0]].graph
    out_leaves = [v if isinstance(v, Tensor) else home.constant(np.asarray(convert(v)))
                  for v in out_leaves]
    if not out_leaves:
        raise ValueError("custom_gradient: f must return at least one output tensor")

    def vjp(cotangents):
        grads = grad_fn(out_rebuild(list(cotangents)))
        grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
        if len(grads) != len(leaves):
            raise ValueError(f"custom_gradient: grad_fn must return one gradient per "
                             f"(flattened) argument, {len(leaves)}, got {len(grads)}")
        picked = []
        for i in tensors:
            g, x = grads[i], leaves[i]
            if g is not None:
                g = convert(g, x.dtype)
                if not isinstance(g, Tensor):
                    g = home.constant(np.asarray(g))
                if tuple(g.shape) != tuple(x.shape):
                    raise ValueError(f"custom_gradient: grad_fn's gradient {i} has shape "
                                     f"{tuple(g.shape)}, its argument {tuple(x.shape)}")
            picked.append(g)
        return picked

    outs = bind("custom_gradient", *[leaves[i] for i in tensors], *out_leaves,
                n_args=len(tensors), vjp=vjp)
    return out_rebuild(list(outs) if isinstance(outs, tuple) else [outs])
