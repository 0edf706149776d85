"""The executors' parallel/serial chooser (csrc/include/fastkeras/mode_chooser.hpp), fed
fixed step times through `_cpu.mode_chooser_trace`: which way it runs each step."""

import numpy as np
import pytest

from fastkeras import backends

pytestmark = pytest.mark.skipif(not backends.available("cpu"), reason="cpu backend not built")

PROBE, CYCLE, MAX_CYCLE = 32, 1024, 8192


def trace(parallel_ns, serial_ns, steps):
    from fastkeras import _cpu
    return np.array(_cpu.mode_chooser_trace(parallel_ns, serial_ns, steps))


def probes(ways, best):
    """(start, length) of each run of steps that went the other way than `best`."""
    other = np.flatnonzero(ways != best)
    if other.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(other) > 1)
    starts = np.concatenate(([other[0]], other[breaks + 1]))
    ends = np.concatenate((other[breaks], [other[-1]]))
    return [(int(s), int(e - s + 1)) for s, e in zip(starts, ends)]


def test_parallel_far_ahead_is_kept_and_probed_less_and_less_often():
    ways = trace(100, 300, 40_000)
    assert ways[:CYCLE].all()  # starts parallel, first probe after a whole cycle
    found = probes(ways, 1)
    assert all(length == PROBE for _, length in found)
    gaps = np.diff([start for start, _ in found])
    # each far-behind probe doubles the steps before the next one, up to MAX_CYCLE
    assert list(gaps[:4]) == [2 * CYCLE + PROBE, 4 * CYCLE + PROBE, MAX_CYCLE + PROBE,
                              MAX_CYCLE + PROBE]
    assert found[0][0] == CYCLE


def test_parallel_a_little_ahead_keeps_probing_every_cycle():
    ways = trace(100, 110, 6 * (CYCLE + PROBE))
    found = probes(ways, 1)
    assert [start for start, _ in found] == [CYCLE + k * (CYCLE + PROBE) for k in range(6)]
    assert ways.mean() > 0.96


def test_serial_faster_wins_the_first_probe_and_stays():
    ways = trace(300, 100, 20_000)
    assert ways[:CYCLE].all() and not ways[CYCLE:CYCLE + PROBE].any()
    after = ways[CYCLE + PROBE:]
    assert (after == 0).mean() > 0.99  # serial from then on, parallel only in probes
    found = probes(after, 0)
    assert all(length == PROBE for _, length in found)


def test_trace_checks_its_arguments():
    from fastkeras import _cpu
    assert _cpu.mode_chooser_trace(0, 0, 0) == []
    with pytest.raises(ValueError, match="negative"):
        _cpu.mode_chooser_trace(-1, 0, 5)
