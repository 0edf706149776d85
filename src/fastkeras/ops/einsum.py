"""keras.ops.einsum as a composite: every pairwise contraction is one GEMM.

The subscripts are parsed into one label per axis of each operand (an ellipsis becomes
right-aligned labels shared by all operands, as NumPy broadcasts it). Then, per operand:
a label repeated within it is reduced to its diagonal (a gather of the flattened axes), a
size-1 axis broadcast against a longer one is squeezed away (the product is constant
along it), and a label no one else needs is summed out. The operands are then contracted
pairwise, left to right. For A and B, each label is

    batch        in both, still needed (by the output or a later operand)
    contracted   in both, not needed any more
    left-only    in A only;  right-only  in B only

and A is transposed and reshaped to (batch, M, K), B to (batch, K, N), multiplied by one
batch_matmul (or a 2-D matmul without batch labels), and the product reshaped back to
batch + left + right labels. A final transpose puts the labels in the output's order."""

from __future__ import annotations

import math

import numpy as np

from ..graph import bind
from .core import convert, result_dtype, shape_of
from .numpy import reshape, sum as reduce_sum, take, transpose

_ELLIPSIS = "..."


def _split_spec(spec, subscripts):
    """'ab...c' -> ['a', 'b', '...', 'c'], with ValueError for anything else."""
    parts, rest = [], spec
    while rest:
        if rest.startswith(_ELLIPSIS):
            parts.append(_ELLIPSIS)
            rest = rest[3:]
        elif rest[0].isascii() and rest[0].isalpha():
            parts.append(rest[0])
            rest = rest[1:]
        else:
            raise ValueError(f"einsum: invalid character {rest[0]!r} in subscripts "
                             f"{subscripts!r}; use letters a-z, A-Z and '...'")
    if parts.count(_ELLIPSIS) > 1:
        raise ValueError(f"einsum: more than one '...' in the term {spec!r} of subscripts "
                         f"{subscripts!r}")
    return parts


def _ellipsis_labels(count, total):
    """The labels of an operand's `count` ellipsis axes: the last `count` of `total`."""
    return [(_ELLIPSIS, i) for i in range(total - count, total)]


def parse(subscripts, shapes):
    """The labels of each operand's axes and of the output's, for operands of `shapes`.
    Letters label themselves; ellipsis axes are labelled ('...', i)."""
    if not isinstance(subscripts, str):
        raise ValueError(f"einsum: subscripts must be a string, got {subscripts!r}")
    text = subscripts.replace(" ", "")
    if text.count("->") > 1:
        raise ValueError(f"einsum: at most one '->' is allowed in subscripts {subscripts!r}")
    inputs_text, arrow, output_text = text.partition("->")
    terms = [_split_spec(t, subscripts) for t in inputs_text.split(",")]
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), "
                         f"but {len(shapes)} were given")
    counts = []
    for term, shape in zip(terms, shapes):
        letters = len([p for p in term if p != _ELLIPSIS])
        extra = len(shape) - letters
        if extra < 0 or (extra > 0 and _ELLIPSIS not in term):
            raise ValueError(f"einsum: the term {''.join(term)!r} of subscripts "
                             f"{subscripts!r} has {letters} label(s), but its operand has "
                             f"{len(shape)} axes (shape {tuple(shape)})")
        counts.append(extra if _ELLIPSIS in term else 0)
    total = max(counts, default=0)
    labels = []
    for term, count in zip(terms, counts):
        expanded = []
        for p in term:
            expanded.extend(_ellipsis_labels(count, total) if p == _ELLIPSIS else [p])
        labels.append(expanded)
    if arrow:
        out = _split_spec(output_text, subscripts)
        seen = {p for term in terms for p in term if p != _ELLIPSIS}
        for p in out:
            if p != _ELLIPSIS and p not in seen:
                raise ValueError(f"einsum: output label {p!r} of subscripts {subscripts!r} "
                                 "appears in no input term")
            if p != _ELLIPSIS and out.count(p) > 1:
                raise ValueError(f"einsum: output label {p!r} is repeated in subscripts "
                                 f"{subscripts!r}")
        if total and _ELLIPSIS not in out:
            raise ValueError(f"einsum: the inputs of subscripts {subscripts!r} have '...' "
                             "axes, but the output has no '...' to put them in")
        output = []
        for p in out:
            output.extend(_ellipsis_labels(total, total) if p == _ELLIPSIS else [p])
    else:  # implicit: the broadcast axes, then the letters used once, in ASCII order
        letters = [p for term in terms for p in term if p != _ELLIPSIS]
        output = _ellipsis_labels(total, total) + sorted(
            p for p in set(letters) if letters.count(p) == 1)
    return labels, output


def _label_sizes(labels, shapes, subscripts):
    """Each label's size: equal wherever it appears, or 1 (broadcast)."""
    sizes = {}
    for term, shape in zip(labels, shapes):
        for label, n in zip(term, shape):
            known = sizes.get(label, 1)
            if n != 1 and known != 1 and n != known:
                name = "'...'" if isinstance(label, tuple) else repr(label)
                raise ValueError(f"einsum: label {name} of subscripts {subscripts!r} has "
                                 f"sizes {known} and {n}, which do not broadcast")
            sizes[label] = max(known, n)
    return sizes


def _diagonal(x, term, label):
    """x with the axes labelled `label` (repeated) replaced by their diagonal, last."""
    axes = [i for i, p in enumerate(term) if p == label]
    rest = [i for i in range(len(term)) if i not in axes]
    n, k = shape_of(x)[axes[0]], len(axes)
    if any(shape_of(x)[a] != n for a in axes):
        raise ValueError(f"einsum: the axes labelled {label!r} of one operand have "
                         f"different sizes {[shape_of(x)[a] for a in axes]}")
    x = transpose(x, rest + axes)
    x = reshape(x, tuple(shape_of(x)[:len(rest)]) + (n ** k,))
    stride = sum(n ** i for i in range(k))  # flat index of (i, i, ..., i) is i * stride
    x = take(x, np.arange(n, dtype=np.int32) * stride, axis=len(rest))
    return x, [term[i] for i in rest] + [label]


def _prepare(x, term, sizes, needed):
    """One operand ready to contract: diagonals taken, broadcast size-1 axes squeezed,
    labels nobody else needs summed out."""
    for label in dict.fromkeys(term):
        if term.count(label) > 1:
            x, term = _diagonal(x, term, label)
    shape = shape_of(x)
    squeezed = [i for i, p in enumerate(term) if shape[i] == 1 and sizes[p] != 1]
    if squeezed:
        x = reshape(x, tuple(n for i, n in enumerate(shape) if i not in squeezed))
        term = [p for i, p in enumerate(term) if i not in squeezed]
    unused = [i for i, p in enumerate(term) if p not in needed]
    if unused:
        x = reduce_sum(x, axis=tuple(unused))
        term = [p for i, p in enumerate(term) if i not in unused]
    return x, term


def _arrange(x, term, order):
    """x transposed so that its labels read `order` (no node when they already do)."""
    perm = [term.index(p) for p in order]
    return x if perm == list(range(len(perm))) else transpose(x, perm)


def _contract(a, la, b, lb, needed, sizes):
    """The pairwise contraction of a (labels la) and b (labels lb) as one GEMM."""
    batch = [p for p in la if p in lb and p in needed]
    summed = [p for p in la if p in lb and p not in needed]
    left = [p for p in la if p not in lb]
    right = [p for p in lb if p not in la]
    nb, m, k, n = (math.prod(sizes[p] for p in group) for group in (batch, left, summed, right))
    a = _arrange(a, la, batch + left + summed)
    b = _arrange(b, lb, batch + summed + right)
    if batch:
        out = bind("batch_matmul", reshape(a, (nb, m, k)), reshape(b, (nb, k, n)))
    else:
        out = bind("matmul", reshape(a, (m, k)), reshape(b, (k, n)))
    labels = batch + left + right
    return reshape(out, tuple(sizes[p] for p in labels)), labels


def einsum(subscripts, *operands):
    """NumPy's einsum: explicit ('ij,jk->ik') and implicit ('ij,jk') outputs, '...'
    broadcasting, repeated labels within an operand (diagonals), any number of operands
    contracted pairwise from the left."""
    if not operands:
        raise ValueError("einsum: at least one operand is required")
    dtype = result_dtype(*operands)
    dtype = dtype if dtype in ("float32", "float64") else "float32"  # matmul is float-only
    xs = [convert(x, dtype) for x in operands]
    shapes = [tuple(shape_of(x)) for x in xs]
    labels, output = parse(subscripts, shapes)
    sizes = _label_sizes(labels, shapes, subscripts)

    def needed_after(i):
        return set(output).union(*(labels[j] for j in range(i + 1, len(xs))))

    result, term = _prepare(xs[0], labels[0], sizes, needed_after(0))
    for i in range(1, len(xs)):
        x, lx = _prepare(xs[i], labels[i], sizes, needed_after(i) | set(term))
        needed = needed_after(i)
        # labels of the running result that nobody needs any more and x lacks: sum them
        result, term = _prepare(result, term, sizes, needed | set(lx))
        result, term = _contract(result, term, x, lx, needed, sizes)
    result, term = _prepare(result, term, sizes, set(output))
    return _arrange(result, term, output)
