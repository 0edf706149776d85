"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/elementwise_math.py."""

import numpy as np

_rng = np.random.default_rng(36)

TABLE = {}
