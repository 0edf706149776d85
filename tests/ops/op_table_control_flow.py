"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/control_flow.py."""

import numpy as np

_rng = np.random.default_rng(52)

TABLE = {}
