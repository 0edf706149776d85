"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/nan_ops.py."""

import numpy as np

_rng = np.random.default_rng(47)

TABLE = {}
