"""graph/state.py: how StateBlock lays out the variables it packs."""

import numpy as np

from fastkeras.backends.plan import PAGE
from fastkeras.graph import Variable
from fastkeras.graph.state import STAGGER, StateBlock


def _page_offset(state, v):
    return (state.block.ctypes.data + state.offsets[v.uid]) % PAGE


def test_big_groups_start_at_distinct_page_offsets():
    # W2's shape: one flat group of weights and two optimizer slot groups of the same size.
    # Packed back to back, all three started within 192 bytes of each other in the page and
    # Adam's loads waited on its own stores (4K aliasing).
    sizes = [(784, 256), (256,), (256, 256), (256,), (256, 10), (10,)]
    groups = [[Variable(np.zeros(s, "float32")) for s in sizes] for _ in range(3)]
    state = StateBlock([v for g in groups for v in g], groups)
    starts = [_page_offset(state, g[0]) for g in groups]
    assert starts == [STAGGER, 2 * STAGGER, 3 * STAGGER]
    for g in groups:  # each group stays one flat run, in order
        offs = [state.offsets[v.uid] for v in g]
        ends = [o + v.value.nbytes for o, v in zip(offs, g)]
        assert offs[1:] == ends[:-1]
    for g in groups:  # and the views are the variables' values
        g[0].assign(np.ones(g[0].shape, "float32"))
        assert state._views[g[0].uid].sum() == g[0].shape[0] * g[0].shape[1]


def test_small_variables_are_not_padded():
    small = [Variable(np.zeros((3,), "float32")) for _ in range(4)]
    state = StateBlock(small)
    assert [state.offsets[v.uid] for v in small] == [0, 64, 128, 192]
    assert state.block.nbytes == 4 * 64
