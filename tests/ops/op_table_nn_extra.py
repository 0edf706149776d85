"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/nn_extra.py."""

import numpy as np

_rng = np.random.default_rng(48)

TABLE = {}
