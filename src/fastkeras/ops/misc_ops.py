"""The remaining small keras.ops names: rearrange (einops-style), dtype, unravel_index, the
bit shifts, nonzero, vectorize and jvp. All are composites of the public ops, or Python
around them (vectorize, jvp); none needs a primitive of its own.

Left out: `nextafter` (the next float needs the bits of the float: no exact composite of
arithmetic primitives) and `view` (a bitcast, which has no primitive)."""

from __future__ import annotations

import re

import numpy as np

from ..graph import Tensor, Variable
from ..graph.autodiff import _depends_on, _key, grad
from ..graph.core import Graph, current_graph
from ..graph.primitive import FLOAT_DTYPES
from .control_flow import map as _map
from .core import convert, dtype_of, result_dtype, shape_of, standardize_dtype
from .elementwise_math import floor, floor_divide, mod, where
from .loops import _flatten
from .logic import logical_or
from .numpy import (add, broadcast_to, cast, divide, greater, greater_equal, less, minimum,
                    multiply, reshape, subtract, sum, take, transpose)

__all__ = ["rearrange", "dtype", "unravel_index", "bitwise_left_shift", "left_shift",
           "bitwise_right_shift", "right_shift", "nonzero", "vectorize", "jvp"]


# ---- rearrange ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\.\.\.|\(|\)|[A-Za-z_]\w*|\S+")
_ELLIPSIS = "..."


def _parse_side(side, pattern):
    """A side of the pattern as a list of groups (lists of axis names); a "..." outside
    parentheses is the string itself (it stands for several axes, each its own group)."""
    groups, inner = [], None
    for tok in _TOKEN.findall(side):
        if tok == "(":
            if inner is not None:
                raise ValueError(f"rearrange: nested parentheses in pattern {pattern!r}")
            inner = []
        elif tok == ")":
            if inner is None:
                raise ValueError(f"rearrange: unbalanced ')' in pattern {pattern!r}")
            groups.append(inner)
            inner = None
        elif tok == _ELLIPSIS or re.fullmatch(r"[A-Za-z_]\w*", tok):
            if inner is None:
                groups.append(tok if tok == _ELLIPSIS else [tok])  # an axis of its own
            else:
                inner.append(tok)
        else:
            raise ValueError(f"rearrange: {tok!r} is not an axis name in pattern {pattern!r} "
                             "(names are identifiers; anonymous axes are not supported)")
    if inner is not None:
        raise ValueError(f"rearrange: unbalanced '(' in pattern {pattern!r}")
    names = [n for g in groups for n in ([g] if g == _ELLIPSIS else g)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"rearrange: axis {repeated[0]!r} appears twice on one side of "
                         f"pattern {pattern!r}")
    return groups


def _expand_ellipsis(groups, n_axes):
    """"..." replaced by the axes it covers: separate groups, or one merged group "(...)"."""
    names = [f"...{i}" for i in range(n_axes)]
    out = []
    for g in groups:
        if g == _ELLIPSIS:
            out += [[n] for n in names]
        else:
            out.append([m for n in g for m in (names if n == _ELLIPSIS else [n])])
    return out


def _axis_sizes(groups, in_shape, axes_lengths, pattern):
    """{axis name: size} of the input side: a group's sizes come from axes_lengths, one unknown
    per group inferred from the dimension it splits."""
    sizes = {}
    for group, dim in zip(groups, in_shape):
        unknown = [a for a in group if a not in axes_lengths]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} in pattern "
                             f"{pattern!r}; pass all but one as keyword arguments")
        known = int(np.prod([axes_lengths[a] for a in group if a in axes_lengths]))
        if unknown:
            if known <= 0 or dim % known:
                raise ValueError(f"rearrange: dimension {dim} cannot be split into {group} "
                                 f"with the given lengths {axes_lengths}")
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise ValueError(f"rearrange: axes {group} have size {known} by the given lengths, "
                             f"but the tensor's dimension is {dim}")
        sizes.update({a: int(axes_lengths[a]) for a in group if a in axes_lengths})
    return sizes


def rearrange(tensor, pattern, **axes_lengths):
    """The axes of `tensor` reordered, split and merged by an einops pattern, e.g.
    "b (h1 h) w c -> (b h1) h w c" with h1=2 (keras.ops.rearrange): one reshape that splits
    the grouped input axes, one transpose, one reshape that merges the output groups.
    Beyond Keras (whose regex parser does not check), "..." stands for the axes not named,
    and a malformed pattern is a ValueError naming the problem."""
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange: pattern must be 'input axes -> output axes', got {pattern!r}")
    x = convert(tensor)
    in_shape = tuple(shape_of(x))
    left, right = (_parse_side(s, pattern) for s in pattern.split("->"))
    if any(g != _ELLIPSIS and _ELLIPSIS in g for g in left):
        raise ValueError(f"rearrange: '...' cannot be inside parentheses on the input side of "
                         f"{pattern!r}")
    has_ellipsis = _ELLIPSIS in left
    if has_ellipsis != any(g == _ELLIPSIS or _ELLIPSIS in g for g in right):
        raise ValueError(f"rearrange: '...' must appear on both sides of {pattern!r} or neither")
    n_named = len(left) - has_ellipsis
    if len(in_shape) != len(left) and not (has_ellipsis and len(in_shape) >= n_named):
        raise ValueError(f"rearrange: pattern {pattern!r} has {len(left)} input axes, the tensor "
                         f"has {len(in_shape)} (shape {in_shape})")
    n_rest = len(in_shape) - n_named
    left, right = _expand_ellipsis(left, n_rest), _expand_ellipsis(right, n_rest)
    in_names = [a for g in left for a in g]
    out_names = [a for g in right for a in g]
    for missing, side in ((set(in_names) - set(out_names), "output"),
                          (set(out_names) - set(in_names), "input")):
        if missing:
            raise ValueError(f"rearrange: axis {sorted(missing)[0]!r} is missing from the {side} "
                             f"side of {pattern!r}")
    unused = sorted(set(axes_lengths) - set(in_names))
    if unused:
        raise ValueError(f"rearrange: axis lengths given for {unused}, which the input side of "
                         f"{pattern!r} does not name")
    sizes = _axis_sizes(left, in_shape, axes_lengths, pattern)
    split = tuple(sizes[a] for a in in_names)
    if split != in_shape:
        x = reshape(x, split)
    order = [in_names.index(a) for a in out_names]
    if order != sorted(order):
        x = transpose(x, order)
    out_shape = tuple(int(np.prod([sizes[a] for a in g])) for g in right)
    return x if tuple(shape_of(x)) == out_shape else reshape(x, out_shape)


# ---- dtype, unravel_index, nonzero ----------------------------------------------------------

def dtype(x):
    """The standardized dtype name of `x` (keras.ops.dtype): "float32", "int64", ... A
    KerasTensor answers without becoming a layer."""
    d = getattr(x, "dtype", None)
    if d is None:
        d = convert(x).dtype
    try:
        return standardize_dtype(d)
    except ValueError:  # a dtype fastkeras does not compute in (uint8, float16): its name
        return np.dtype(d).name


def unravel_index(indices, shape):
    """The coordinates of flat `indices` in an array of `shape`, a tuple of one tensor per
    axis (keras.ops.unravel_index), as Keras's JAX backend: negative indices count from the
    end, indices past either end are clipped to the first or last element."""
    dims = [int(d) for d in np.atleast_1d(np.asarray(shape))]
    if np.ndim(shape) > 1:
        raise ValueError(f"unravel_index: shape should be a scalar or 1-D sequence, got {shape}")
    if any(d <= 0 for d in dims):
        raise ValueError(f"unravel_index: every dimension of shape must be positive, got {shape}")
    flat = convert(indices)
    out_dtype = "int32" if dtype_of(flat) == "bool" else dtype_of(flat)
    rest = cast(flat, "float64")  # mod and floor_divide compute in floats: exact below 2**53
    coords = [None] * len(dims)
    for i in reversed(range(len(dims))):
        coords[i] = mod(rest, dims[i])
        rest = floor_divide(rest, dims[i])
    past_end, before_start = greater(rest, 0), less(rest, -1)
    return tuple(cast(where(past_end, d - 1, where(before_start, 0, c)), out_dtype)
                 for d, c in zip(dims, coords))


def nonzero(x):
    """The indices of the non-zero elements, one int32 array per axis (keras.ops.nonzero).
    Eager only: how many there are depends on the values, and a traced graph needs static
    shapes."""
    if isinstance(x, Tensor) or (isinstance(x, Variable) and current_graph() is not None):
        raise NotImplementedError(
            "nonzero inside a traced function: its output shape depends on the values, and "
            "fastkeras graphs have static shapes. Use ops.where(condition, x, y) or a mask "
            "instead, or call nonzero eagerly.")
    a = x.numpy() if isinstance(x, Variable) else np.asarray(convert(x))
    if a.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed; use a 1-D array")
    return tuple(i.astype(np.int32) for i in np.nonzero(a))


# ---- bit shifts -------------------------------------------------------------------------------

def _shift_operands(name, x, y):
    """x and y as float64 (exact for |x| < 2**53), the result dtype and its bit width."""
    xs, ys = convert(x), convert(y)
    for arg, v in (("x", xs), ("y", ys)):
        if dtype_of(v) not in ("int32", "int64", "bool"):
            raise TypeError(f"{name}: {arg} must be an integer tensor, got dtype {dtype_of(v)}")
    out = result_dtype(x, y)
    out = "int32" if out == "bool" else out
    return cast(xs, "float64"), cast(ys, "float64"), out, 64 if out == "int64" else 32


def _power_of_two(shift, bits):
    """2.0 ** shift for integer shift in [0, bits], exactly (a lookup, not pow)."""
    return take(np.ldexp(1.0, np.arange(bits + 1)), cast(shift, "int32"))


def left_shift(x, y):
    """x << y for integer tensors (keras.ops.left_shift), with the wrap-around of two's
    complement, as Keras's JAX backend: a shift past the bit width or negative gives 0.
    Computed as x * 2**y modulo 2**bits in float64: exact for int32, and for int64 while
    |x| < 2**53."""
    xf, yf, out, bits = _shift_operands("left_shift", x, y)
    wrapped = multiply(xf, _power_of_two(minimum(where(less(yf, 0), 0.0, yf), float(bits)), bits))
    modulus = float(2 ** bits)
    wrapped = subtract(wrapped, multiply(floor(divide(wrapped, modulus)), modulus))
    signed = subtract(wrapped, multiply(cast(greater_equal(wrapped, modulus / 2), "float64"),
                                        modulus))
    out_of_range = logical_or(less(yf, 0), greater_equal(yf, bits))
    return cast(where(out_of_range, 0.0, signed), out)


def right_shift(x, y):
    """x >> y for integer tensors (keras.ops.right_shift): an arithmetic shift, floor(x / 2**y);
    a shift past the bit width or negative fills with the sign bit (0 or -1), as Keras's JAX
    backend. Exact for int32, and for int64 while |x| < 2**53."""
    xf, yf, out, bits = _shift_operands("right_shift", x, y)
    shift = where(logical_or(less(yf, 0), greater(yf, bits - 1)), float(bits - 1), yf)
    return cast(floor(divide(xf, _power_of_two(shift, bits))), out)


def bitwise_left_shift(x, y):
    """keras.ops.bitwise_left_shift: left_shift under its NumPy 2 name."""
    return left_shift(x, y)


def bitwise_right_shift(x, y):
    """keras.ops.bitwise_right_shift: right_shift under its NumPy 2 name."""
    return right_shift(x, y)


# ---- vectorize --------------------------------------------------------------------------------

_CORE = r"\((\w*(?:,\w+)*)\)"


def _parse_signature(signature):
    """"(m,n),(n)->(m)" as ([("m", "n"), ("n",)], [("m",)])."""
    compact = re.sub(r"\s+", "", signature)
    arg_list = rf"{_CORE}(?:,{_CORE})*"
    if not re.fullmatch(rf"{arg_list}->{arg_list}", compact):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = compact.split("->")
    return ([tuple(d for d in m.split(",") if d) for m in re.findall(_CORE, side)]
            for side in (ins, outs))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` made to map over the leading (broadcast) axes of its arguments
    (keras.ops.vectorize, as jax.numpy.vectorize): without a signature it sees scalars, with
    one ("(m,n),(n)->(m)") arrays of the core shapes. The arguments are broadcast over their
    non-core axes, flattened to one batch axis, mapped with ops.map and reshaped back.
    `excluded` positions (ints) or keywords (strings) are passed through untouched; other
    keyword arguments are passed through too."""
    if not callable(pyfunc):
        raise ValueError(f"Expected argument `pyfunc` to be a callable. Received: pyfunc={pyfunc}")
    excluded = set(excluded or ())
    in_cores, out_cores = _parse_signature(signature) if signature else (None, None)

    def vectorized(*args, **kwargs):
        mapped = [i for i in range(len(args)) if i not in excluded]
        cores = in_cores if in_cores is not None else [()] * len(mapped)
        if len(cores) != len(mapped):
            raise TypeError(f"vectorize: the signature {signature!r} takes {len(cores)} "
                            f"arguments, got {len(mapped)} to vectorize")
        values = [convert(args[i]) for i in mapped]
        dim_sizes, batch_shapes = {}, []
        for v, core in zip(values, cores):
            shape = tuple(shape_of(v))
            if len(shape) < len(core):
                raise ValueError(f"vectorize: an input of shape {shape} has fewer dimensions "
                                 f"than its core dimensions {core}")
            for name, size in zip(core, shape[len(shape) - len(core):]):
                if dim_sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: inconsistent size for core dimension "
                                     f"{name!r}: {dim_sizes[name]} vs {size}")
            batch_shapes.append(shape[:len(shape) - len(core)])
        batch = np.broadcast_shapes(*batch_shapes) if batch_shapes else ()
        full = list(args)

        def call(*row):
            for i, v in zip(mapped, row):
                full[i] = v
            return pyfunc(*full, **kwargs)

        if batch == ():
            return call(*values)
        n = int(np.prod(batch))
        rows = [reshape(broadcast_to(v, batch + tuple(shape_of(v))[len(b):]),
                        (n,) + tuple(shape_of(v))[len(b):]) for v, b in zip(values, batch_shapes)]
        out = _map(lambda row: call(*row), tuple(rows))
        leaves, rebuild = _flatten(out)
        return rebuild([reshape(y, batch + tuple(shape_of(y))[1:]) for y in leaves])

    vectorized.__name__ = getattr(pyfunc, "__name__", "vectorized")
    vectorized.__doc__ = getattr(pyfunc, "__doc__", None)
    del out_cores  # the outputs' core shapes are whatever pyfunc returns
    return vectorized


# ---- jvp ----------------------------------------------------------------------------------------

def _scalar_sum(terms):
    total = None
    for t in terms:
        s = sum(t)
        total = s if total is None else add(total, s)
    return total


def _check_second_order(graph, first, us):
    """Refuses a VJP (the nodes from `first` on) that carries the cotangent through a primitive
    with no VJP of its own (the fused gradient helpers: sigmoid_grad, relu_grad, ...): the
    second pass would skip it and return zeros instead of J t."""
    live = _depends_on(graph, us, len(graph.nodes))
    for node in graph.nodes[first:]:
        if node.prim is None or node.prim.effect or node.prim.differentiable:
            continue
        if any(_key(x) in live and x.dtype in FLOAT_DTYPES for x in node.inputs):
            raise NotImplementedError(
                f"jvp: the gradient of this function goes through the primitive "
                f"{node.prim.name!r}, which has no gradient of its own; fastkeras computes jvp "
                "as the VJP of a VJP (it has reverse mode only), so it cannot differentiate it.")


def _jvp_in_graph(graph, fun, primals, tangents, has_aux):
    """(outputs, tangent outputs, aux) recorded in `graph`: the VJP u -> J^T u of fun, then
    the VJP of <J^T u, t> with respect to u, which is J t (the VJP is linear in u, so u's
    value, zeros here, does not matter)."""
    p_leaves, p_rebuild = _flatten(list(primals))
    t_leaves, _ = _flatten(list(tangents))
    if len(p_leaves) != len(t_leaves):
        raise ValueError(f"jvp: primals and tangents must have the same structure, got "
                         f"{len(p_leaves)} and {len(t_leaves)} arrays")
    p_leaves = [graph.read(p) if isinstance(p, Variable) else p for p in p_leaves]
    for p, t in zip(p_leaves, t_leaves):
        if tuple(shape_of(p)) != tuple(shape_of(t)):
            raise ValueError(f"jvp: a tangent of shape {tuple(shape_of(t))} for a primal of "
                             f"shape {tuple(shape_of(p))}")
    result = fun(*p_rebuild(p_leaves))
    out, aux = result if has_aux else (result, None)
    o_leaves, o_rebuild = _flatten(out)
    o_leaves = [o if isinstance(o, Tensor) else graph.constant(np.asarray(convert(o)))
                for o in o_leaves]
    floats_in = [i for i, p in enumerate(p_leaves) if dtype_of(p) in FLOAT_DTYPES]
    floats_out = [k for k, o in enumerate(o_leaves) if o.dtype in FLOAT_DTYPES]
    us = {k: graph.constant(np.zeros(o_leaves[k].shape, o_leaves[k].dtype)) for k in floats_out}
    tangents_out = [None] * len(o_leaves)
    if us and floats_in:
        pairing = _scalar_sum(multiply(o_leaves[k], u) for k, u in us.items())
        first = len(graph.nodes)
        vjps = grad(pairing, [p_leaves[i] for i in floats_in])
        _check_second_order(graph, first, list(us.values()))
        terms = [multiply(g, cast(t_leaves[i], g.dtype))
                 for i, g in zip(floats_in, vjps) if g is not None]
        if terms:
            jts = grad(_scalar_sum(terms), list(us.values()))
            for k, jt in zip(us, jts):
                tangents_out[k] = jt
    tangents_out = [t if t is not None else graph.constant(np.zeros(o.shape, o.dtype))
                    for t, o in zip(tangents_out, o_leaves)]
    return o_rebuild(o_leaves), o_rebuild(tangents_out), aux


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), J @ tangents[, aux]) — the forward-mode product of `fun` at `primals`
    (keras.ops.jvp / keras.ops.linalg.jvp). fastkeras has reverse-mode autodiff only, so the
    product is the VJP of the VJP (exact, two backward passes). Inside a traced step it is
    recorded in the step's graph; eagerly `fun` is traced into a scratch graph and run on the
    active backend. Integer primals get no tangent; integer outputs get zero tangents."""
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError("jvp: primals and tangents must be tuples or lists of arguments, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    graph = current_graph()
    p_leaves, _ = _flatten(list(primals))
    traced = [p for p in p_leaves if isinstance(p, Tensor)]
    if traced or graph is not None:
        return _jvp_in_graph(traced[0].graph if traced else graph, fun, primals, tangents,
                             has_aux)[:3 if has_aux else 2]
    # Eager: placeholders for the primals, then one evaluation of everything on their values.
    from .. import backends
    from ..graph.interpret import evaluate
    scratch = Graph("jvp")
    p_values = [np.asarray(p.numpy() if isinstance(p, Variable) else convert(p)) for p in p_leaves]
    _, p_rebuild = _flatten(list(primals))
    with scratch:
        ph = [scratch.placeholder(v.shape, v.dtype.name) for v in p_values]
        out, tan, aux = _jvp_in_graph(scratch, fun, p_rebuild(ph), tangents, has_aux)
    o_leaves, o_rebuild = _flatten(out)
    t_leaves, t_rebuild = _flatten(tan)
    a_leaves, a_rebuild = _flatten(aux)
    wanted = o_leaves + t_leaves + [a for a in a_leaves if isinstance(a, Tensor)]
    values = iter(evaluate(wanted, dict(zip(ph, p_values)), backends.get_backend()))
    results = (o_rebuild([next(values) for _ in o_leaves]),
               t_rebuild([next(values) for _ in t_leaves]))
    if has_aux:
        results += (a_rebuild([next(values) if isinstance(a, Tensor) else a for a in a_leaves]),)
    return results
