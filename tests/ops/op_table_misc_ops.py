"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/misc_ops.py."""

import numpy as np

_rng = np.random.default_rng(68)

TABLE = {}
