"""Merging repeated measurements (`fastkeras bench --rounds N`).

This machine's speed drifts over minutes, so a framework measured while it is slow loses
against a peer measured a minute later while it is fast. With several rounds (every
framework, then every framework again), each reported number is the median over the rounds
of that number, so that every framework is judged on the same stretch of time."""

from __future__ import annotations

import statistics


def _median_tree(values):
    """The median of numbers, dict by dict; lists become one list per round; anything else
    (labels, thread counts' names) is the first round's."""
    if all(isinstance(v, dict) for v in values):
        keys = dict.fromkeys(k for v in values for k in v)
        return {k: _median_tree([v[k] for v in values if k in v]) for k in keys}
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return statistics.median(values)
    if all(isinstance(v, list) for v in values):
        return list(values)
    return values[0]


def merge(rounds: list[dict]) -> dict:
    """One result from the same (framework, workload)'s results of several rounds: numbers are
    medians over the rounds that ran (rounds that failed are left out; if all failed, the
    first failure), `epoch_times` one list per round, and each round's result under
    "rounds". `other_cpu_share` is the largest seen."""
    ok = [r for r in rounds if "error" not in r]
    if not ok:
        return dict(rounds[0], rounds=rounds)
    merged = _median_tree(ok)
    shares = [r["other_cpu_share"] for r in rounds if r.get("other_cpu_share") is not None]
    merged["other_cpu_share"] = max(shares) if shares else None
    merged["rounds"] = rounds
    return merged
