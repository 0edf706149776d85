"""Importing this package registers every primitive (one module per family)."""

from . import custom_gradient, elementwise, elementwise_math, fused, losses, nn, pooling, program, \
    random, recurrent, reduce, scan, shape, sorting, stop_gradient, updates, windows  # noqa: F401
