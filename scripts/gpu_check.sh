#!/usr/bin/env bash
# Build, check and time fastkeras on a lent GPU machine (see the device tool's README):
#   the CUDA module must build (nvcc, sm_80/sm_90) and find the GPU; its probe kernel is
#   compared with the NumPy reference by the test suite; the CPU kernels run on this
#   machine's ISA (often AVX-512, which the 2-core dev machine lacks) against the reference;
#   then the bench harness times W1/W2/W5 on this CPU. Writes logs to $OUT (or ./gpu_out).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/gpu_out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
{
  echo "== machine"; nvidia-smi -L; nvcc --version | tail -2
  lscpu | grep -E "Model name|^CPU\(s\)"; grep -o -w -E "avx512f|avx2" /proc/cpuinfo | sort | uniq -c
  python3 --version
} 2>&1 | tee "$OUT/machine.txt"

echo "== build"
python3 -m pip install -q --no-build-isolation --no-deps --target /tmp/fk . 2>&1 | tail -20 \
  | tee "$OUT/build.txt"
export PYTHONPATH=/tmp/fk
python3 -c "import fastkeras; fastkeras.config.print_info()" 2>&1 | tee "$OUT/info.txt"

echo "== tests (all backends, including the CUDA probe kernel against the reference)"
python3 -m pytest -q -p no:cacheprovider tests 2>&1 | tail -15 | tee "$OUT/tests.txt"
for t in 1 4 16; do
  echo "== op harness and parity on the cpu backend with FASTKERAS_NUM_THREADS=$t"
  FASTKERAS_NUM_THREADS=$t python3 -m pytest -q -p no:cacheprovider -k cpu \
    tests/graph/test_op_backends.py tests/trainers/test_training_parity.py 2>&1 | tail -2
done | tee "$OUT/threads.txt"

echo "== timings on this machine's CPU (fastkeras cpu backend; peers: torch, jax)"
python3 -m fastkeras bench --workloads W1,W2,W5 --backends cpu --peers torch,jax --epochs 3 \
  --samples 32768 --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
