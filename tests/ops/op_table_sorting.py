"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/sorting.py."""

import numpy as np

_rng = np.random.default_rng(47)

TABLE = {}
