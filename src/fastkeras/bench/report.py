"""The `fastkeras bench` table: throughput, share of the limits and fastkeras's ratio to
each peer, from the harness's summarised results."""

from __future__ import annotations

from . import probe
from .workloads import WORKLOADS, predict_ceiling_id

NOISY_SHARE = 0.05   # flag runs during which other processes used more of the CPUs


def _ratio_cells(value, peer_values, peers, higher_is_better=True):
    """'N.NNx' per peer: how many times better `value` is than that peer's."""
    cells = []
    for p in peers:
        ref = peer_values.get(p)
        if value is None or not ref:
            cells.append("")
        else:
            cells.append(f"{(value / ref) if higher_is_better else (ref / value):.2f}x")
    return cells


def _pct(x):
    return f"{x:.1f}%" if x is not None else "-"


def _is_fastkeras(r):
    return r["framework"].startswith("fastkeras")


def _counts(w, peak_gflops):
    """What a workload costs per training sample and its FLOP limit, for the training
    table's note."""
    text = f"{w.flops_per_sample / 1e6:.2f} MFLOP"
    if hasattr(w, "bytes_per_sample"):
        b = w.bytes_per_sample()
        text += (f", >= {b / 1e6:.2f} MB moved ({w.flops_per_sample / b:.0f} FLOP/byte; "
                 "layer_workloads.py)")
    text += " per training sample"
    if peak_gflops:
        text += f"; limit at peak {peak_gflops * 1e9 / w.flops_per_sample:,.0f} samples/s"
    return text


def print_training(rows, peers, ceilings, epochs, peak_gflops=None, workloads=WORKLOADS):
    head = (f"{'workload':<8} {'framework':<20} {'samples/s':>11} {'GFLOP/s':>8} "
            f"{'%peak':>6} {'%matmul':>8} {'1st ep':>7} {'steady':>7}"
            + "".join(f" {'vs ' + p:>9}" for p in peers))
    print(f"\nTraining, steady state = samples / median epoch time over epochs 2..{epochs}")
    print(head)
    for wid in dict.fromkeys(r["workload"] for r in rows):
        group = [r for r in rows if r["workload"] == wid]
        peer_values = {r["framework"]: r.get("samples_per_s") for r in group
                       if not _is_fastkeras(r)}
        for r in group:
            if "error" in r:
                print(f"{wid:<8} {r['framework']:<20} error: {r['error']}")
                continue
            ratios = _ratio_cells(r["samples_per_s"], peer_values, peers) \
                if _is_fastkeras(r) else [""] * len(peers)
            print(f"{wid:<8} {r['framework']:<20} {r['samples_per_s']:>11,.0f} "
                  f"{r['gflops']:>8.1f} {_pct(r.get('pct_peak')):>6} "
                  f"{_pct(r.get('pct_matmul_ceiling')):>8} {r['first_epoch_s']:>6.2f}s "
                  f"{r['steady_epoch_s']:>6.2f}s" + "".join(f" {c:>9}" for c in ratios))
        c = ceilings.get(wid)
        if c:
            print(f"{wid:<8} {'numpy matmuls':<20} {c['samples_per_s']:>11,.0f} "
                  f"{c['gflops']:>8.1f} {_pct(c.get('pct_peak')):>6} {'100.0%':>8}"
                  "   (matmul-only ceiling)")
        if wid in workloads:
            share = ": %peak is the share of it reached" if peak_gflops else ""
            print(f"{'':<8} ({_counts(workloads[wid], peak_gflops)}{share})")


def print_predict(rows, peers, ceilings):
    """Predict throughput measured after training (W7's "predict"), one table per workload;
    nothing for workloads without it. Failed training runs are named in the training table."""
    for wid in dict.fromkeys(r["workload"] for r in rows):
        group = [r for r in rows if r["workload"] == wid]
        if not any("predict" in r for r in group):
            continue
        ok = [r for r in group if "error" not in r.get("predict", {"error": ""})]
        n = ok[0]["predict"]["rows"] if ok else "?"
        print(f"\n{wid} predict on {n} rows in one call with the trained model: samples/s "
              "(median of repeated calls)")
        print(f"{'framework':<20} {'call':<40} {'samples/s':>11} {'GFLOP/s':>8} {'%peak':>6} "
              f"{'%matmul':>8}" + "".join(f" {'vs ' + p:>9}" for p in peers))
        peer_values = {r["framework"]: r["predict"]["samples_per_s"] for r in ok
                       if not _is_fastkeras(r)}
        for r in group:
            if "error" in r:
                continue
            t = r.get("predict")
            if t is None or "error" in t:
                print(f"{r['framework']:<20} error: {t['error'] if t else 'not measured'}")
                continue
            ratios = _ratio_cells(t["samples_per_s"], peer_values, peers) \
                if _is_fastkeras(r) else [""] * len(peers)
            print(f"{r['framework']:<20} {t['call']:<40} {t['samples_per_s']:>11,.0f} "
                  f"{t['gflops']:>8.1f} {_pct(t.get('pct_peak')):>6} "
                  f"{_pct(t.get('pct_matmul_ceiling')):>8}"
                  + "".join(f" {c:>9}" for c in ratios))
        c = ceilings.get(predict_ceiling_id(wid))
        if c:
            print(f"{'numpy matmuls':<20} {'forward matmuls only':<40} "
                  f"{c['samples_per_s']:>11,.0f} {c['gflops']:>8.1f} "
                  f"{_pct(c.get('pct_peak')):>6} {'100.0%':>8}")


def print_trained_latency(rows, peers):
    """One-row predict latency measured after training (W4, W6 and its variants), one table
    per workload; failed training runs are named in the training table."""
    for wid in dict.fromkeys(r["workload"] for r in rows):
        group = [r for r in rows if r["workload"] == wid and "error" not in r
                 and ("latency" in r or "latency_error" in r)]
        if not group:
            continue
        ok = [r for r in group if "latency" in r]
        calls = max((v["calls"] for r in ok for v in r["latency"].values()), default=0)
        print_latency([r if "latency" in r else dict(r, error=r["latency_error"])
                       for r in group], peers, calls,
                      f"{wid} predict on 1 row with the trained model (a slow call kind is "
                      "timed for about 10 s, fewer calls: the JSON has each count)")


def print_latency(rows, peers, calls, what="W5 predict on 1 row"):
    print(f"\n{what}: microseconds per call, mean of {calls} calls after warm-up "
          "(ratios against each peer's fastest call)")
    print(f"{'framework':<20} {'call':<38} {'us/call':>9} {'median':>8}"
          + "".join(f" {'vs ' + p:>9}" for p in peers))
    best = {r["framework"]: min(v["mean_us"] for v in r["latency"].values())
            for r in rows if "error" not in r and not _is_fastkeras(r)}
    for r in rows:
        if "error" in r:
            print(f"{r['framework']:<20} error: {r['error']}")
            continue
        for call, v in r["latency"].items():
            ratios = _ratio_cells(v["mean_us"], best, peers, higher_is_better=False) \
                if _is_fastkeras(r) else [""] * len(peers)
            print(f"{r['framework']:<20} {call:<38} {v['mean_us']:>9.1f} {v['median_us']:>8.1f}"
                  + "".join(f" {c:>9}" for c in ratios))


def print_throughput(rows, peers, ceiling):
    rows_ok = [r for r in rows if "error" not in r]
    n = rows_ok[0]["throughput"]["rows"] if rows_ok else 0
    print(f"\nW5 predict on {n} rows in one call: samples/s (median of repeated calls)")
    print(f"{'framework':<20} {'call':<38} {'samples/s':>11} {'GFLOP/s':>8} {'%peak':>6} "
          f"{'%matmul':>8}" + "".join(f" {'vs ' + p:>9}" for p in peers))
    peer_values = {r["framework"]: r["throughput"]["samples_per_s"] for r in rows_ok
                   if not _is_fastkeras(r)}
    for r in rows:
        if "error" in r:
            continue  # already reported under the latency table
        t = r["throughput"]
        ratios = _ratio_cells(t["samples_per_s"], peer_values, peers) \
            if _is_fastkeras(r) else [""] * len(peers)
        print(f"{r['framework']:<20} {t['call']:<38} {t['samples_per_s']:>11,.0f} "
              f"{t['gflops']:>8.1f} {_pct(t.get('pct_peak')):>6} "
              f"{_pct(t.get('pct_matmul_ceiling')):>8}" + "".join(f" {c:>9}" for c in ratios))
    if ceiling:
        print(f"{'numpy matmuls':<20} {'forward matmuls only':<38} "
              f"{ceiling['samples_per_s']:>11,.0f} {ceiling['gflops']:>8.1f} "
              f"{_pct(ceiling.get('pct_peak')):>6} {'100.0%':>8}")


def print_limits(machine, ceiling_run):
    m = machine
    peak = f"{m['peak_gflops']:.1f} GFLOP/s" if m.get("peak_gflops") else "unknown"
    mhz = f"{m['clock_mhz']:.0f} MHz" if m.get("clock_mhz") else "? MHz"
    print(f"\nMachine: {m['model_name']}, {m['cores']} cores; float32 peak {peak} = "
          f"{m['cores']} cores x {m['flop_per_cycle']} FLOP/cycle ({m['flop_per_cycle_why']})"
          f" x {mhz} ({m['clock_source']}"
          + (f"; /proc/cpuinfo says {m['cpuinfo_mhz']:.0f} MHz)" if m.get("measured_mhz")
             and m.get("cpuinfo_mhz") else ")"))
    if not ceiling_run:
        return
    if "error" in ceiling_run:
        print(f"Matmul ceiling: not measured ({ceiling_run['error']})")
        return
    b = ceiling_run.get("blas", {})
    print(f"Matmul ceiling: numpy {ceiling_run.get('numpy')} float32 matmuls of each "
          "workload's forward+backward shapes (x@W, dZ@W^T, X^T@dZ per layer), "
          f"{', '.join(ceiling_run.get('unset_env') or ['nothing'])} unset; BLAS kernel "
          f"{b.get('architecture', '?')} ({b.get('internal_api', '?')}, "
          f"{b.get('num_threads', '?')} threads, via {b.get('source', '?')}). Small shapes "
          "(W1) mostly time numpy's per-call overhead, so that ceiling can be beaten.")
    if (ceiling_run.get("other_cpu_share") or 0) > NOISY_SHARE:
        print(f"  (other processes used {100 * ceiling_run['other_cpu_share']:.0f}% of the "
              "CPUs meanwhile: the ceiling is understated)")


def print_variant_overhead(rows, workloads=WORKLOADS):
    """Each framework's run of a variant workload (W1CB, W2OPT) against its own run of the
    variant's base (W1VAL, W2), when both ran: issues [6] and [7] ask fastkeras for <= 10%
    more time per epoch."""
    by = {(r["workload"], r["framework"]): r for r in rows if "error" not in r}
    variants = dict.fromkeys(wid for wid, _ in by
                             if getattr(workloads.get(wid), "base", ""))
    for wid in variants:
        base = workloads[wid].base
        pairs = [(fw, by[(base, fw)], by[(wid, fw)]) for (v, fw) in by
                 if v == wid and (base, fw) in by]
        if not pairs:
            continue
        print(f"\n{wid} against {base} ({'; '.join(workloads[wid].differences(workloads[base]))})"
              ": each framework's own samples/s")
        for fw, plain, variant in pairs:
            slower = 100 * (plain["samples_per_s"] / variant["samples_per_s"] - 1)
            print(f"{fw:<20} {plain['samples_per_s']:>11,.0f} -> "
                  f"{variant['samples_per_s']:>11,.0f}  ({slower:+.1f}% time per epoch)")


def print_notes(results, skipped):
    labels = {}
    for r in results:
        if "label" in r:
            threads = ", ".join(f"{k}={v}" for k, v in r.get("threads", {}).items()
                                if k != "jax_devices")
            text = r["label"] + (f"; threads: {threads}" if threads else "")
            labels[(r["framework"], text)] = None
    if labels:
        print("\nFrameworks (training runs, then W5):")
        for fw, text in labels:
            print(f"  {fw}: {text}")
    readings = [x["fma_gflops"] for x, _ in probe.readings(results)]
    if readings:
        print(f"\nAll-core FMA loop just before each run: {min(readings):.0f}-{max(readings):.0f} "
              "GFLOP/s (bench/probe.py; per run in the JSON as fma_gflops)")
    low = [f"{x['workload']} {x['framework']}" + (f" round {k}" if k else "")
           + f" {x['fma_gflops']:.0f} GFLOP/s ({100 * share:.0f}%)"
           for x, k, share in probe.low_readings(results)]
    if low:
        print("\nThe cores delivered less before (all-core FMA loop, bench/probe.py; share of this "
              "run's best reading; those numbers say more about the host): " + ", ".join(low))
    busy = [f"{r['workload']} {r['framework']} {100 * r['other_cpu_share']:.0f}%"
            for r in results if "error" not in r and (r.get("other_cpu_share") or 0) > NOISY_SHARE]
    if busy:
        print("\nOther processes were busy during (share of all CPUs; those numbers are low): "
              + ", ".join(busy))
    if skipped:
        print(f"\nNot measured (not importable): {', '.join(skipped)}; install the peers with "
              '`pip install "fastkeras[peers]"`')
