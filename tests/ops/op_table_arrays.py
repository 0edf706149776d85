"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/arrays.py."""

import numpy as np

_rng = np.random.default_rng(26)

TABLE = {}
