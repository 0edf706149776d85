"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/image_color.py."""

import numpy as np

_rng = np.random.default_rng(51)

TABLE = {}
