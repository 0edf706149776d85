"""The checks of Keras's `load_own_variables` (layers and optimizers): the store holds one
value per variable, "0", "1", ..., each of the variable's shape. All values are checked
and converted before the first is assigned, so a failed load changes nothing."""

from __future__ import annotations

import numpy as np


def checked_values(variables, store, owner):
    """The store's value for each variable, as an array of the variable's dtype; a
    ValueError naming `owner` and the variable for one missing or of the wrong shape."""
    values = []
    for i, variable in enumerate(variables):
        key = str(i)
        if key not in store:
            raise ValueError(f"{owner}: the weights file has no value '{key}' for its "
                             f"variable '{variable.path}' (it lists {sorted(store.keys())}).")
        value = np.asarray(store[key])
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(f"{owner}: the weights file's value '{key}' has shape "
                             f"{tuple(value.shape)}, but variable '{variable.path}' has shape "
                             f"{tuple(variable.shape)}.")
        if value.dtype.kind not in "biuf":
            raise ValueError(f"{owner}: the weights file's value '{key}' for variable "
                             f"'{variable.path}' is not numeric (dtype {value.dtype}).")
        values.append(value.astype(variable.dtype, copy=False))
    return values


def assign_checked(variables, store, owner, built=True):
    """A layer's load: Keras's count check (and its words), then the values, checked."""
    if len(store.keys()) != len(variables):
        if not variables and not built:
            raise ValueError(
                f"{owner} was never built and thus it doesn't have any variables. However "
                f"the weights file lists {len(store.keys())} variables for this layer. A "
                "layer's build() must create all of its state (its sublayers' too), or the "
                "layer must implement `build_from_config(config)` (and "
                "`get_build_config()`) to be rebuilt when loaded.")
        raise ValueError(f"{owner} expected {len(variables)} variables, but received "
                         f"{len(store.keys())} variables during loading. Expected: "
                         f"{[v.name for v in variables]}")
    for variable, value in zip(variables, checked_values(variables, store, owner)):
        variable.assign(value)
