"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/linalg.py."""

import numpy as np

_rng = np.random.default_rng(66)

TABLE = {}
