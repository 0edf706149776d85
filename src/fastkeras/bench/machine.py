"""The machine's float32 peak: cores x FLOP/cycle x clock.

FLOP/cycle comes from the /proc/cpuinfo flags: 32 with AVX2+FMA (2 FMA pipes x 8 float32
lanes x 2 FLOP per FMA), 64 with AVX-512 on CPUs with two 512-bit FMA units (Intel Xeon with
AVX-512, AMD Zen 5; Zen 4 runs AVX-512 on 256-bit pipes, so 32), 16 with AVX alone (one add
and one multiply pipe x 8 lanes), 8 with SSE.

The clock is measured when a C compiler is found: one process per core runs a chain of
dependent integer adds (1 cycle latency on every x86 core since the P6), so adds per second
is the all-core clock the cores really ran at, turbo included. Otherwise, or off x86, the
mean "cpu MHz" of /proc/cpuinfo is used (under a hypervisor often the nominal clock, so it
can understate the peak)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile

_CLOCK_C = r"""
#include <stdio.h>
#include <time.h>
#define A "add $1, %0\n\t"
#define A10 A A A A A A A A A A
int main(void) {
    double best = 0; long sink = 0;
    for (int r = 0; r < 5; r++) {
        struct timespec t0, t1; long x = 0, n = 5000000;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long i = 0; i < n; i++) __asm__ volatile(A10 A10 : "+r"(x));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
        if (20.0 * n / s > best) best = 20.0 * n / s;
        sink += x;
    }
    printf("%.1f %ld\n", best / 1e6, sink);
    return 0;
}
"""


def read_cpuinfo(text: str | None = None) -> dict:
    """Model, vendor, family, flags, core count and mean "cpu MHz" from /proc/cpuinfo."""
    if text is None:
        try:
            with open("/proc/cpuinfo") as f:
                text = f.read()
        except OSError:
            text = ""
    info = {"model_name": platform.processor() or platform.machine(), "vendor": None,
            "family": None, "flags": [], "cpuinfo_mhz": None}
    mhz = []
    for line in text.splitlines():
        key, _, value = (s.strip() for s in line.partition(":"))
        if key == "model name":
            info["model_name"] = value
        elif key == "vendor_id":
            info["vendor"] = value
        elif key == "cpu family" and value.isdigit():
            info["family"] = int(value)
        elif key == "flags" and not info["flags"]:
            info["flags"] = value.split()
        elif key == "cpu MHz":
            try:
                mhz.append(float(value))
            except ValueError:
                pass
    if mhz:
        info["cpuinfo_mhz"] = sum(mhz) / len(mhz)
    info["cores"] = _physical_cores() or len(mhz) or os.cpu_count() or 1
    return info


def _physical_cores():
    """Cores this process may use, one per core (SMT siblings share the FMA units)."""
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        return None
    cores = set()
    for cpu in allowed:
        try:
            with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/core_id") as f:
                core = f.read().strip()
            with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/physical_package_id") as f:
                pkg = f.read().strip()
            cores.add((pkg, core))
        except OSError:
            cores.add(("?", cpu))
    return len(cores)


def flop_per_cycle(flags, vendor=None, family=None) -> tuple[int, str]:
    """float32 FLOP per cycle per core and the reason, from the cpuinfo flags."""
    flags = set(flags)
    if "avx512f" in flags:
        if vendor == "GenuineIntel" or (vendor == "AuthenticAMD" and (family or 0) >= 26):
            return 64, "AVX-512, 2 x 512-bit FMA units (2 x 16 lanes x 2)"
        if "fma" in flags:
            return 32, "AVX-512 on 256-bit FMA pipes (2 x 8 lanes x 2)"
    if "avx2" in flags and "fma" in flags:
        return 32, "AVX2+FMA (2 FMA pipes x 8 lanes x 2)"
    if "avx" in flags:
        return 16, "AVX without FMA (1 add + 1 mul pipe x 8 lanes)"
    if "sse2" in flags:
        return 8, "SSE2 (1 add + 1 mul pipe x 4 lanes)"
    return 0, "unknown instruction set"


def compile_c(source: str, directory: str, flags=()) -> str | None:
    """`source` built into an executable in `directory` by the C compiler on PATH, or None
    off x86-64, without a compiler, or when it fails (the probes here are x86-only)."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None or platform.machine() not in ("x86_64", "AMD64"):
        return None
    src, exe = os.path.join(directory, "probe.c"), os.path.join(directory, "probe")
    with open(src, "w") as f:
        f.write(source)
    if subprocess.run([cc, "-O2", *flags, src, "-o", exe], capture_output=True).returncode:
        return None
    return exe


def first_number_per_core(exe: str, cores: int) -> list[float | None]:
    """Runs `exe` once per core, all at the same time, and reads the first number each
    printed (None for a run that failed)."""
    procs = [subprocess.Popen([exe], stdout=subprocess.PIPE, text=True) for _ in range(cores)]
    values = []
    for p in procs:
        out, _ = p.communicate(timeout=60)
        values.append(float(out.split()[0]) if p.returncode == 0 and out.split() else None)
    return values


def measure_clock_mhz(cores: int) -> float | None:
    """All-core clock from a dependent-add chain on every core, or None without a C
    compiler or off x86-64."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_c(_CLOCK_C, tmp)
        if exe is None:
            return None
        mhz = [v for v in first_number_per_core(exe, cores) if v is not None]
    return sum(mhz) / len(mhz) if mhz else None


def peak(cores, mhz, flags, vendor=None, family=None) -> dict:
    """float32 peak GFLOP/s = cores x FLOP/cycle x clock."""
    fpc, why = flop_per_cycle(flags, vendor, family)
    return {"cores": cores, "clock_mhz": mhz, "flop_per_cycle": fpc, "flop_per_cycle_why": why,
            "peak_gflops": cores * fpc * mhz / 1e3 if mhz else None}


def machine_limits(measure_clock: bool = True) -> dict:
    """The cpuinfo, the clock used (and where it came from) and the float32 peak."""
    info = read_cpuinfo()
    measured = measure_clock_mhz(info["cores"]) if measure_clock else None
    mhz = measured or info["cpuinfo_mhz"]
    source = ("measured: dependent integer adds, all cores at once" if measured else
              "/proc/cpuinfo 'cpu MHz' (mean over cores)")
    out = {k: v for k, v in info.items() if k != "flags"}
    out.update(measured_mhz=measured, clock_source=source,
               simd_flags=sorted(f for f in info["flags"] if f.startswith(("avx", "fma", "sse"))))
    out.update(peak(info["cores"], mhz, info["flags"], info["vendor"], info["family"]))
    return out
