"""Importing this package registers every primitive (one module per family)."""

from . import elementwise, fused, losses, nn, reduce, shape, updates  # noqa: F401
