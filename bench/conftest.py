"""Micro-benchmark plumbing: collects GFLOP/s per (shape, implementation) from the
benchmarks of this folder and prints one comparison table at the end of the run.

Run: `pytest bench/ --benchmark-only` (not part of CI: `pytest tests` never collects this).
For the OpenBLAS ceiling, unset the variables that throttle it on the CI machines, for
that command only: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pytest bench/ ...`."""

import os

import pytest

RESULTS = {}  # (group, label) -> {impl: GFLOP/s}


def record(benchmark, group, label, impl, flops):
    """Stores the GFLOP/s of a finished benchmark in extra_info and RESULTS: from the best
    round (a shared VM's other tenants slow some rounds by up to ~2x; the best round is the
    machine's own speed), with the median's alongside."""
    stats = benchmark.stats.stats if benchmark.stats else None
    if stats is None:  # --benchmark-disable: nothing was timed
        return
    gflops = flops / stats.min / 1e9
    benchmark.extra_info.update(
        gflops=round(gflops, 2), gflops_median=round(flops / stats.median / 1e9, 2),
        flops=flops, min_us=round(stats.min * 1e6, 3), median_us=round(stats.median * 1e6, 3))
    RESULTS.setdefault((group, label), {})[impl] = gflops


def _blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    rows = [f"{i.get('internal_api')} {i.get('version')} core={i.get('architecture')} "
            f"threads={i.get('num_threads')}" for i in threadpool_info()
            if i.get("user_api") == "blas"]
    return "; ".join(rows) or "no BLAS found"


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    from fastkeras import _cpu
    w = terminalreporter
    w.section("GFLOP/s (best round), fastkeras vs numpy in the same run")
    env = {k: os.environ.get(k, "(unset)") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    w.write_line(f"numpy BLAS: {_blas_info()}; env {env}")
    info = _cpu.info()
    threads = _cpu.get_num_threads() if hasattr(_cpu, "get_num_threads") else 1
    w.write_line(f"fastkeras: gemm path {info['gemm_path']}, threads {threads}")
    w.write_line(f"{'group':<8}{'shape':<34}{'fastkeras':>10}{'numpy':>10}{'ratio':>8}")
    for (group, label), r in sorted(RESULTS.items()):
        fk, np_ = r.get("fastkeras"), r.get("numpy")
        ratio = f"{fk / np_:8.2f}" if fk and np_ else " " * 8
        fmt = lambda v: f"{v:10.1f}" if v else " " * 10  # noqa: E731
        w.write_line(f"{group:<8}{label:<34}{fmt(fk)}{fmt(np_)}{ratio}")


@pytest.fixture
def rng():
    import numpy as np
    return np.random.default_rng(0)
