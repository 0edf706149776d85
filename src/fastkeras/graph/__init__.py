"""Graph IR, primitives, autodiff and the plan compiler (no Keras concepts here)."""

from . import primitives  # noqa: F401  (registers every primitive)
from .core import Graph, Node, Tensor, bind, current_graph, is_symbolic
from .primitive import PRIMITIVES, Primitive, get
from .variable import Variable

__all__ = ["Graph", "Node", "Tensor", "bind", "current_graph", "is_symbolic", "PRIMITIVES",
           "Primitive", "get", "Variable"]
