"""The Python step executor's per-state-block locks (backends/python_executor.py): one lock
per block, shared by every executor of that block, and forgotten once the block is gone."""

import gc

from fastkeras.backends import python_executor as pe
from fastkeras.backends.plan import aligned_bytes


def test_one_lock_per_block_shared_through_views():
    block = aligned_bytes(256)
    assert pe._state_lock(block) is pe._state_lock(block[:])
    assert pe._state_lock(block) is not pe._state_lock(aligned_bytes(256))


def test_locks_of_blocks_that_are_gone_are_forgotten():
    keep = aligned_bytes(64)
    kept_lock = pe._state_lock(keep)
    for _ in range(3 * pe._PRUNE_ABOVE):
        pe._state_lock(aligned_bytes(64))  # a model built and dropped
    gc.collect()
    pe._state_lock(aligned_bytes(64))  # past the limit, a lookup prunes the dead entries
    # what remains is live blocks (other tests' models may still be alive) and at most the
    # limit of dead ones: never one entry per block ever seen
    dead = sum(ref() is None for ref, _ in pe._STATE_LOCKS.values())
    assert dead <= pe._PRUNE_ABOVE + 1
    assert len(pe._STATE_LOCKS) < 3 * pe._PRUNE_ABOVE
    assert pe._state_lock(keep) is kept_lock  # a live block keeps its lock
