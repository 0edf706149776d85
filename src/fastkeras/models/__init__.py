"""Models: functional, Sequential and subclassed."""

from .cloning import clone_model
from .functional_config import model_from_json
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "clone_model", "model_from_json"]
