"""The primitive registry: every op the graph can hold is declared here once.

A `Primitive` bundles what every layer of the stack needs to know about one op:

* ``shape_rule(specs, attrs) -> [(shape, dtype), ...]`` — output specs from input specs;
* ``reference(*arrays, **attrs)`` — the NumPy oracle (returns the outputs, or mutates its
  inputs in place for effect ops);
* ``vjp(node, gouts) -> [cotangent or None per input]`` — the gradient, written with
  `bind` so that the backward pass is itself a graph of primitives;
* ``native_attrs(attrs, specs) -> (ints, floats)`` — the flat attribute encoding read by the
  native kernels (C++/CUDA) in the order documented next to each declaration.

Effect primitives (optimizer updates, metric accumulation) have no outputs: they update
their first inputs in place and are scheduled after every pure op of a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DTYPES = ("float32", "float64", "int32", "int64", "bool")
FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int32", "int64")


def _no_native_attrs(attrs, specs):
    return (), ()


@dataclass
class Primitive:
    name: str
    shape_rule: object  # callable
    reference: object  # callable
    vjp: object = None  # callable or None
    # Which inputs a VJP is defined for (others, e.g. labels or indices, get no gradient);
    # None means every input (variadic primitives such as concatenate).
    diff_inputs: tuple | None = ()
    native_attrs: object = _no_native_attrs
    effect: bool = False
    # Attributes accepted by bind(), with defaults; a missing one without default is an error.
    attr_defaults: dict = field(default_factory=dict)
    # A short text of the semantics, shown in errors and docs.
    doc: str = ""

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None


PRIMITIVES: dict[str, Primitive] = {}


def register(prim: Primitive) -> Primitive:
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} declared twice")
    PRIMITIVES[prim.name] = prim
    return prim


def get(name: str) -> Primitive:
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise ValueError(f"Unknown primitive {name!r}. Known: {sorted(PRIMITIVES)}") from None


def canonical_attrs(prim: Primitive, attrs: dict) -> dict:
    unknown = set(attrs) - set(prim.attr_defaults)
    if unknown:
        raise TypeError(f"{prim.name}: unexpected attributes {sorted(unknown)}")
    out = dict(prim.attr_defaults)
    out.update(attrs)
    return out
