// pybind11 module fastkeras._cpu: the kernels one call at a time (run_op), CPU and thread
// settings, and the plan executors (bound in py_executors.cpp). Only this file,
// py_executors.cpp and py_arrays.hpp in csrc/ know about Python objects.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "fastkeras/mode_chooser.hpp"
#include "fastkeras/scalar.hpp"
#include "fastkeras/tensor.hpp"
#include "kernels/thread_pool.hpp"
#include "py_arrays.hpp"

namespace py = pybind11;
using namespace fk;
using namespace fk::pyglue;

namespace fk::pyglue {
void bind_executors(py::module_& m);
}

namespace {

// Replays a run of steps through a ModeChooser: step i costs parallel_ns[i] or serial_ns[i]
// depending on the way chosen for it; returns the ways (true: parallel).
std::vector<bool> mode_chooser_trace(const std::vector<double>& parallel_ns,
                                     const std::vector<double>& serial_ns) {
  if (parallel_ns.size() != serial_ns.size())
    throw py::value_error("parallel_ns and serial_ns must have one time per step each");
  ModeChooser chooser;
  std::vector<bool> ways;
  for (size_t i = 0; i < parallel_ns.size(); ++i) {
    const bool parallel = chooser.parallel();
    chooser.record(parallel, parallel ? parallel_ns[i] : serial_ns[i]);
    ways.push_back(parallel);
  }
  return ways;
}

double pool_dispatch_ns(int repeats) {
  if (repeats <= 0) throw py::value_error("repeats must be positive");
  std::vector<double> ns(static_cast<size_t>(repeats));
  {
    py::gil_scoped_release release;
    const int tasks = threads::num_threads();
    std::atomic<int> sink{0};
    for (double& t : ns) {
      const auto t0 = std::chrono::steady_clock::now();
      threads::parallel_for(tasks, [&](int i) { sink.fetch_add(i, std::memory_order_relaxed); });
      t = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  std::nth_element(ns.begin(), ns.begin() + ns.size() / 2, ns.end());
  return ns[ns.size() / 2];
}

// Eager path: one primitive on NumPy arrays (the same kernels the executor runs).
// inputs, outputs: lists or tuples of arrays; ints, floats: lists or tuples of numbers.
void run_op_py(int op, py::handle ins_seq, py::handle outs_seq, py::handle ints_seq,
               py::handle floats_seq) {
  if (op < 0 || op >= kNumOps) throw py::value_error("unknown op code");
  const ArrayItems ins(ins_seq);
  const ArrayItems outs(outs_seq);
  if (ins.size() + outs.size() > static_cast<size_t>(kMaxOperands))
    throw py::value_error("too many operands");
  const Numbers<int64_t> ints(ints_seq, "ints must be a sequence of integers");
  const Numbers<double> floats(floats_seq, "floats must be a sequence of numbers");
  OpCall call;
  call.op = static_cast<Op>(op);
  call.n_in = static_cast<int32_t>(ins.size());
  call.n_out = static_cast<int32_t>(outs.size());
  int j = 0;
  for (size_t i = 0; i < ins.size(); ++i) call.t[j++] = tensor_of(ins[i], false);
  for (size_t i = 0; i < outs.size(); ++i) call.t[j++] = tensor_of(outs[i], true);
  call.ints = ints.data();
  call.n_ints = ints.size();
  call.floats = floats.data();
  call.n_floats = floats.size();
  Status st;
  {
    py::gil_scoped_release release;
    st = run_op(call);
  }
  raise_if_error(st);
}

}  // namespace

PYBIND11_MODULE(_cpu, m) {
  m.doc() = "fastkeras CPU kernels and plan executor";
  // Order of DType: f32, f64, i32, i64, b8 (references kept for the module's lifetime).
  g_descr[0] = py::dtype::of<float>().release().ptr();
  g_descr[1] = py::dtype::of<double>().release().ptr();
  g_descr[2] = py::dtype::of<int32_t>().release().ptr();
  g_descr[3] = py::dtype::of<int64_t>().release().ptr();
  g_descr[4] = py::dtype::of<bool>().release().ptr();
  m.def("op_codes", [] {
    py::dict d;
    for (int i = 0; i < kNumOps; ++i) d[py::str(op_name(static_cast<Op>(i)))] = i;
    return d;
  });
  // Keras's epsilon as the loss kernels compile it (fastkeras/scalar.hpp), for the Python
  // side to check that it uses the same number.
  m.def("loss_epsilon", [] { return scalar::kEpsilon; });
  m.def("activation_codes", [] {  // graph/primitives/fused.py ACTIVATION_CODES must match
    py::dict d;
    d["linear"] = int(kLinear);
    d["relu"] = int(kRelu);
    d["sigmoid"] = int(kSigmoid);
    d["tanh"] = int(kTanh);
    return d;
  });
  m.def("run_op", &run_op_py, py::arg("op"), py::arg("inputs"), py::arg("outputs"),
        py::arg("ints"), py::arg("floats"));
  m.def("info", [] {
    const CpuFeatures& f = cpu_features();
    py::dict d;
    d["avx2"] = f.avx2;
    d["fma"] = f.fma;
    d["avx512f"] = f.avx512f;
    d["gemm_path"] = gemm_path();
#if defined(__clang__)
    d["compiler"] = "clang " __clang_version__;
#elif defined(__GNUC__)
    d["compiler"] = "gcc " __VERSION__;
#else
    d["compiler"] = "unknown";
#endif
    return d;
  });
  m.def("set_num_threads", &threads::set_num_threads, py::arg("n"),
        "Threads the kernels may use (caller included); n <= 0 restores the default "
        "(FASTKERAS_NUM_THREADS, else the CPUs this process may run on). Results do not "
        "depend on it.");
  m.def("get_num_threads", &threads::num_threads);
  m.def("pool_dispatch_ns", &pool_dispatch_ns, py::arg("repeats") = 10000,
        "Median nanoseconds of one empty parallel job of get_num_threads() tasks: what the "
        "thread pool's synchronisation costs a kernel that splits its work (a diagnostic).");
  m.def("mode_chooser_trace", &mode_chooser_trace, py::arg("parallel_ns"),
        py::arg("serial_ns"),
        "The ways (True: parallel) that the sharded executor's parallel/serial chooser picks "
        "for steps costing these nanoseconds each way (a test of its policy).");
  bind_executors(m);
}
