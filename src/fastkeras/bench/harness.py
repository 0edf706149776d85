"""`fastkeras bench`: the reference workloads on every fastkeras backend and, where they
are importable, on Keras 3, PyTorch and JAX, each in its own process, in one run, next to
the machine's limits (float32 peak and the numpy matmul-only ceiling).

Steady-state throughput is samples / median epoch time over epochs 2..k (the first epoch,
which includes tracing and compilation, is reported separately). Before each run an all-core
FMA loop reads what the cores deliver at that moment (bench/probe.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from . import machine, probe, report, rounds
from .workloads import INFERENCE, WORKLOADS, WideDeepWorkload, predict_ceiling_id

PEERS = ("keras", "torch", "jax")
# Set on some machines to pin OpenBLAS to a (slower) kernel: unset for the ceiling only.
CEILING_UNSET_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_CEILING_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ceiling.py")


def add_arguments(p):
    p.add_argument("--workloads", default="W1,W2,W3,W5",
                   help="comma list of W1,W2,W3,W7 (training; W7 also times predict on 4096 "
                        "rows with the trained model), W4 (small CNN), W6 (Embedding -> "
                        "LSTM), W6GRU, W6TF (GRU and transformer-block variants; these four "
                        "also time a one-row predict with the trained model), W5 "
                        "(inference), and W1VAL,W1CB (W1 "
                        "with validation_split=0.1, and with a training job's callbacks too; "
                        "fastkeras and keras only), W2OPT (W2 with AdamW on a warmup "
                        "CosineDecay, global_clipnorm, metrics accuracy and top-5)")
    p.add_argument("--backends", default=None,
                   help="fastkeras backends (default: every available one but reference)")
    p.add_argument("--peers", default=",".join(PEERS), help="comma list of keras,torch,jax "
                   "(measured only when importable); '' for none")
    p.add_argument("--epochs", type=int, default=3, help="epochs per training run (>= 2)")
    p.add_argument("--rounds", type=int, default=1,
                   help="measure every framework this many times, interleaved, and report "
                        "the median of each number (this machine's speed drifts)")
    p.add_argument("--samples", type=int, default=0,
                   help="training samples per epoch for every workload (0: WORKLOADS.md's)")
    p.add_argument("--calls", type=int, default=0, help="W5 one-row calls timed (0: 2000)")
    p.add_argument("--no-limits", action="store_true",
                   help="skip the clock measurement and the matmul ceiling")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds allowed to each framework's process")
    p.add_argument("--json", default=None, help="write every raw number to this file")


def _importable(name):
    return importlib.util.find_spec(name) is not None


def _busy_cpu_s():
    """CPU seconds all processes have used since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy;
    # steal (the hypervisor running someone else) counts as noise too.
    ticks = [int(v) for v in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_subprocess(cmd, env=None, timeout=None):
    """Runs cmd and returns its `RESULT {json}` line, or {"error": its last line of output}.

    Adds `other_cpu_share`: the share of all CPUs that processes other than this one's
    child used meanwhile (this machine is shared: a busy neighbour skews the numbers)."""
    busy0, child0, t0 = _busy_cpu_s(), _children_cpu_s(), time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall, busy1 = time.perf_counter() - t0, _busy_cpu_s()
    other = None
    if busy0 is not None and busy1 is not None and wall > 0:
        other = max(0.0, (busy1 - busy0) - (_children_cpu_s() - child0))
        other = min(1.0, other / (wall * (os.cpu_count() or 1)))
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[len("RESULT "):]), other_cpu_share=other)
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": tail[-1] if tail else f"exit status {proc.returncode}",
            "error_tail": tail, "other_cpu_share": other}


def _train(fw, wid, args):
    cmd = [sys.executable, "-m", "fastkeras.bench.runners", fw, wid, str(args.epochs),
           str(args.samples)]
    r = run_subprocess(cmd, timeout=args.timeout)
    return dict({"framework": fw, "workload": wid}, **r)


def _infer(fw, wid, args):
    iw = INFERENCE[wid]
    cmd = [sys.executable, "-m", "fastkeras.bench.inference", fw,
           str(args.calls or iw.latency_calls), str(iw.batch_size)]
    r = run_subprocess(cmd, timeout=args.timeout)
    return dict({"framework": fw, "workload": wid}, **r)


def _applies(wid, fw):
    """A workload with Keras's validation_split or callbacks runs on the frameworks with
    Keras's fit API only (fastkeras and Keras)."""
    w = WORKLOADS.get(wid)
    if w is None or not getattr(w, "keras_api_only", False):
        return True
    return fw.startswith("fastkeras:") or fw == "keras"


def _share(gflops, limit_gflops):
    return 100 * gflops / limit_gflops if limit_gflops else None


def summarise_training(r, w, peak_gflops=None, ceiling=None, predict_ceiling=None):
    """Adds steady-state samples/s, GFLOP/s and the shares of the limits to a raw result
    (and to its "predict" throughput, W7's, from the forward FLOPs)."""
    if "error" in r:
        return r
    p = r.get("predict")
    if p and "error" not in p:
        p["gflops"] = p["samples_per_s"] * w.forward_flops_per_sample / 1e9
        p["pct_peak"] = _share(p["gflops"], peak_gflops)
        p["pct_matmul_ceiling"] = _share(p["gflops"],
                                         predict_ceiling and predict_ceiling["gflops"])
    times = r["epoch_times"]
    steady = times[1:] if len(times) > 1 else times
    r["first_epoch_s"] = times[0]
    r["steady_epoch_s"] = statistics.median(steady)
    r["samples_per_s"] = r["n_samples"] / r["steady_epoch_s"]
    r["gflops"] = r["samples_per_s"] * w.flops_per_sample / 1e9
    r["pct_peak"] = _share(r["gflops"], peak_gflops)
    r["pct_matmul_ceiling"] = _share(r["gflops"], ceiling and ceiling["gflops"])
    if peak_gflops:   # the FLOP limit: what %peak is the share of
        r["limit_samples_per_s"] = peak_gflops * 1e9 / w.flops_per_sample
    return r


def summarise_inference(r, w, peak_gflops=None, ceiling=None):
    if "error" in r:
        return r
    t = r["throughput"]
    t["gflops"] = t["samples_per_s"] * w.forward_flops_per_sample / 1e9
    t["pct_peak"] = _share(t["gflops"], peak_gflops)
    t["pct_matmul_ceiling"] = _share(t["gflops"], ceiling and ceiling["gflops"])
    return r


def matmul_ceiling(wids, timeout=600):
    """numpy matmul time of each workload's step shapes, in a process without the
    OpenBLAS kernel pins (CEILING_UNSET_ENV)."""
    spec = []
    for wid in wids:
        if wid in WORKLOADS:
            w = WORKLOADS[wid]
            spec.append({"id": wid, "batch": w.batch_size, "shapes": w.matmul_shapes()})
            if isinstance(w, WideDeepWorkload):
                spec.append({"id": predict_ceiling_id(wid), "batch": w.predict_rows,
                             "shapes": w.matmul_shapes(w.predict_rows, training=False)})
        else:
            iw = INFERENCE[wid]
            spec.append({"id": wid, "batch": iw.batch_size, "shapes":
                         WORKLOADS[iw.model].matmul_shapes(iw.batch_size, training=False)})
    env = {k: v for k, v in os.environ.items() if k not in CEILING_UNSET_ENV}
    r = run_subprocess([sys.executable, _CEILING_SCRIPT, json.dumps(spec)], env=env,
                       timeout=timeout)
    r["unset_env"] = [f"{k}={os.environ[k]}" for k in CEILING_UNSET_ENV if k in os.environ]
    return r


def _parse(args):
    if args.epochs < 2:
        raise SystemExit("--epochs must be >= 2 (the first epoch is excluded from throughput)")
    if args.rounds < 1:
        raise SystemExit("--rounds must be >= 1")
    wids = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    for wid in wids:
        if wid not in WORKLOADS and wid not in INFERENCE:
            raise SystemExit(f"unknown workload {wid!r}; known: "
                             f"{sorted(WORKLOADS) + sorted(INFERENCE)}")
    if args.backends is not None:
        fk = [b.strip() for b in args.backends.split(",") if b.strip()]
    else:
        from .. import backends
        fk = [b for b in backends.available_backends() if b != "reference"]
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    for p in peers:
        if p not in PEERS:
            raise SystemExit(f"unknown peer {p!r}; known: {PEERS}")
    return wids, fk, peers


def main(args):
    wids, fk, peers = _parse(args)
    skipped = [p for p in peers if not _importable(p)]
    peers = [p for p in peers if p not in skipped]
    frameworks = [f"fastkeras:{b}" for b in fk] + peers

    print("  measuring the machine's limits ...", file=sys.stderr, flush=True)
    limits = machine.machine_limits(measure_clock=not args.no_limits)
    peak = limits.get("peak_gflops")
    ceiling_run = None if args.no_limits else matmul_ceiling(wids)
    ceilings = (ceiling_run or {}).get("results", {})
    for c in ceilings.values():
        c["pct_peak"] = _share(c["gflops"], peak)

    # What the cores deliver just before each run (bench/probe.py); off with --no-limits.
    fma = None if args.no_limits else probe.FmaProbe(limits["cores"], limits.get("simd_flags"))
    runs = {}  # (workload, framework) -> one summarised result per round
    try:
        for k in range(args.rounds):
            for wid in wids:
                for fw in frameworks:
                    if not _applies(wid, fw):
                        continue
                    of = f" (round {k + 1} of {args.rounds})" if args.rounds > 1 else ""
                    print(f"  running {wid} on {fw}{of} ...", file=sys.stderr, flush=True)
                    gflops = fma.measure() if fma else None
                    if wid in WORKLOADS:
                        r = summarise_training(_train(fw, wid, args), WORKLOADS[wid], peak,
                                               ceilings.get(wid),
                                               ceilings.get(predict_ceiling_id(wid)))
                    else:
                        r = summarise_inference(_infer(fw, wid, args),
                                                WORKLOADS[INFERENCE[wid].model], peak,
                                                ceilings.get(wid))
                    r["fma_gflops"] = gflops
                    runs.setdefault((wid, fw), []).append(r)
    finally:
        if fma:
            fma.close()
    merged = {key: rs[0] if len(rs) == 1 else rounds.merge(rs) for key, rs in runs.items()}
    training = [r for (wid, _), r in merged.items() if wid in WORKLOADS]
    inference = [r for (wid, _), r in merged.items() if wid not in WORKLOADS]

    report.print_limits(limits, ceiling_run)
    if args.rounds > 1:
        print(f"Every number below is the median over {args.rounds} rounds, each of which ran "
              "every framework once (the JSON keeps each round).")
    if training:
        report.print_training(training, peers, ceilings, args.epochs, peak)
        report.print_predict(training, peers, ceilings)
        report.print_trained_latency(training, peers)
        report.print_variant_overhead(training)
    if inference:
        report.print_latency(inference, peers, args.calls or INFERENCE["W5"].latency_calls)
        report.print_throughput(inference, peers, ceilings.get("W5"))
    report.print_notes(training + inference, skipped)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": {k: v for k, v in vars(args).items() if k != "func"},
                       "machine": dict(limits, **_environment()), "matmul_ceiling": ceiling_run,
                       "training": training, "inference": inference,
                       "peers_skipped": skipped}, f, indent=2)
        print(f"\nwrote {args.json}")
    return 0


def _environment():
    from .. import config
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "XLA_", "KERAS_", "FASTKERAS_"))}
    try:
        fk_info = config.info()
    except Exception as e:  # a half-built native module must not lose the run's numbers
        fk_info = {"error": repr(e)}
    return {"platform": platform.platform(), "python": platform.python_version(),
            "logical_cpus": os.cpu_count(), "env": env, "fastkeras": fk_info}
