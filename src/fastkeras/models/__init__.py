"""Models: functional, Sequential and subclassed."""

from ..saving.saving_api import load_model, save_model
from .cloning import clone_model
from .functional_config import model_from_json
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
