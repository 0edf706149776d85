"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/image_geometry.py."""

import numpy as np

_rng = np.random.default_rng(54)

TABLE = {}
