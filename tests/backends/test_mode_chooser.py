"""The sharded executor's parallel/serial chooser (csrc/include/fastkeras/mode_chooser.hpp),
replayed on made-up step times through fastkeras._cpu.mode_chooser_trace: it follows the
faster way, and one stalled step or a slow start after a switch does not turn it."""

import numpy as np
import pytest

from fastkeras import backends

pytestmark = pytest.mark.skipif(not backends.available("cpu"), reason="cpu backend not built")

CYCLE, PROBE = 1024, 32  # steps, as in mode_chooser.hpp
PARALLEL_US, SERIAL_US = 15.0, 24.0  # W1's steps on the 2-core dev machine


def trace(parallel_us, serial_us):
    from fastkeras import _cpu
    return np.array(_cpu.mode_chooser_trace(list(np.asarray(parallel_us) * 1e3),
                                            list(np.asarray(serial_us) * 1e3)))


def chosen(ways, cycle):
    """The ways of a cycle's steps after its probe."""
    return ways[cycle * CYCLE + PROBE:(cycle + 1) * CYCLE]


def test_follows_the_faster_way_and_probes_the_other():
    n = 6 * CYCLE
    par = np.full(n, PARALLEL_US)
    par[1500:3500] = 40.0  # the host takes a core for a while
    ways = trace(par, np.full(n, SERIAL_US))
    assert chosen(ways, 0).all() and chosen(ways, 1).all()
    # Seen in the steps before 2048: serial; the parallel probe at 3072 is still slow.
    assert not chosen(ways, 2).any() and not chosen(ways, 3).any()
    assert chosen(ways, 4).all() and chosen(ways, 5).all()  # probed back at 4096
    assert not ways[:PROBE].any()  # every cycle starts with the way not chosen before it
    for c in range(1, 6):
        assert (ways[c * CYCLE:c * CYCLE + PROBE] != ways[c * CYCLE - 1]).all()


def test_one_stalled_step_does_not_turn_the_choice():
    n = 3 * CYCLE
    par = np.full(n, PARALLEL_US)
    par[2 * CYCLE - 10] = 5000.0  # a 5 ms stall inside the reference window of cycle 2
    ways = trace(par, np.full(n, SERIAL_US))
    assert chosen(ways, 2).all()


def test_a_slow_start_after_a_switch_does_not_keep_the_slower_way():
    n = 4 * CYCLE
    par = np.full(n, 40.0)  # another process holds a core: serial from the second cycle
    par[2 * CYCLE:] = PARALLEL_US  # then it is gone
    par[2 * CYCLE:2 * CYCLE + 6] = 300.0  # the probe's first steps wake a sleeping worker
    ways = trace(par, np.full(n, SERIAL_US))
    assert not chosen(ways, 1).any()
    assert chosen(ways, 2).all() and chosen(ways, 3).all()


def test_needs_one_time_per_step_each_way():
    from fastkeras import _cpu
    with pytest.raises(ValueError, match="one time per step"):
        _cpu.mode_chooser_trace([1.0, 2.0], [1.0])
