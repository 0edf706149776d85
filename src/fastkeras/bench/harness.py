"""`fastkeras bench`: the reference workloads on every fastkeras backend and, where they
are importable, on Keras 3, PyTorch and JAX, each in its own process, in one run.

Steady-state throughput is samples / median epoch time over epochs 2..k (the first epoch,
which includes tracing and compilation, is reported separately)."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys

from .workloads import WORKLOADS

PEERS = ("keras", "torch", "jax")


def add_arguments(p):
    p.add_argument("--workloads", default="W1,W2", help="comma list, e.g. W1,W2,W3")
    p.add_argument("--backends", default=None,
                   help="fastkeras backends (default: every available one but reference)")
    p.add_argument("--peers", default=",".join(PEERS), help="comma list of keras,torch,jax "
                   "(measured only when importable); '' for none")
    p.add_argument("--epochs", type=int, default=3, help="epochs per run (>= 2)")
    p.add_argument("--samples", type=int, default=0, help="override the sample count (0: spec)")
    p.add_argument("--json", default=None, help="write the results to this file")


def _importable(name):
    return importlib.util.find_spec(name) is not None


def _run_one(framework, wid, epochs, samples):
    cmd = [sys.executable, "-m", "fastkeras.bench.runners", framework, wid, str(epochs),
           str(samples)]
    env = dict(os.environ)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"framework": framework, "workload": wid, "error": " | ".join(tail)}


def _summarise(r, w):
    if "error" in r:
        return r
    times = r["epoch_times"]
    steady = times[1:] if len(times) > 1 else times
    r["first_epoch_s"] = times[0]
    r["steady_epoch_s"] = statistics.median(steady)
    r["samples_per_s"] = r["n_samples"] / r["steady_epoch_s"]
    r["gflops"] = r["samples_per_s"] * w.flops_per_sample / 1e9
    return r


def main(args):
    from .. import backends
    if args.epochs < 2:
        raise SystemExit("--epochs must be >= 2 (the first epoch is excluded from throughput)")
    wids = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    for wid in wids:
        if wid not in WORKLOADS:
            raise SystemExit(f"unknown workload {wid!r}; known: {sorted(WORKLOADS)}")
    fk = [b.strip() for b in args.backends.split(",")] if args.backends else \
        [b for b in backends.available_backends() if b != "reference"]
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    for p in peers:
        if p not in PEERS:
            raise SystemExit(f"unknown peer {p!r}; known: {PEERS}")
    skipped = [p for p in peers if not _importable(p)]
    peers = [p for p in peers if p not in skipped]
    results = []
    for wid in wids:
        w = WORKLOADS[wid]
        for fw in [f"fastkeras:{b}" for b in fk] + peers:
            print(f"  running {wid} on {fw} ...", file=sys.stderr, flush=True)
            results.append(_summarise(_run_one(fw, wid, args.epochs, args.samples), w))
    _print_table(results, wids)
    if skipped:
        print(f"\nnot measured (not importable): {', '.join(skipped)} — install them with "
              "`pip install \"fastkeras[peers]\"`")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "machine": _machine()}, f, indent=2)
        print(f"\nwrote {args.json}")
    return 0


def _machine():
    import platform
    from .. import config
    return {"platform": platform.platform(), "cpus": os.cpu_count(),
            "fastkeras": config.info()}


def _print_table(results, wids):
    print(f"\n{'workload':<9} {'framework':<20} {'samples/s':>12} {'GFLOP/s':>8} "
          f"{'1st epoch':>10} {'fastkeras x':>12}")
    for wid in wids:
        rows = [r for r in results if r["workload"] == wid]
        best = max((r["samples_per_s"] for r in rows
                    if r["framework"].startswith("fastkeras") and "error" not in r), default=None)
        for r in rows:
            if "error" in r:
                print(f"{wid:<9} {r['framework']:<20} error: {r['error']}")
                continue
            ratio = f"{best / r['samples_per_s']:.2f}x" if best and not \
                r["framework"].startswith("fastkeras") else ""
            print(f"{wid:<9} {r['framework']:<20} {r['samples_per_s']:>12,.0f} "
                  f"{r['gflops']:>8.2f} {r['first_epoch_s']:>9.2f}s {ratio:>12}")
    print("\n" + "\n".join(sorted({f"{r['framework']}: {r.get('label', '')}" for r in results
                                   if 'label' in r})))
