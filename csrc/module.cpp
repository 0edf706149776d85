// pybind11 module fastkeras._cpu: the only file in csrc/ that knows about Python objects.
// It converts NumPy arrays and plan descriptors into the plain structs of tensor.hpp and
// executor.hpp, and releases the GIL while kernels run.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "fastkeras/executor.hpp"
#include "fastkeras/tensor.hpp"
#include "kernels/thread_pool.hpp"

namespace py = pybind11;
using namespace fk;

namespace {

DType dtype_of(const py::array& a) {
  const char kind = a.dtype().kind();
  const auto size = a.itemsize();
  if (kind == 'f' && size == 4) return DType::f32;
  if (kind == 'f' && size == 8) return DType::f64;
  if (kind == 'i' && size == 4) return DType::i32;
  if (kind == 'i' && size == 8) return DType::i64;
  if (kind == 'b' && size == 1) return DType::b8;
  throw py::type_error("unsupported array dtype " + std::string(py::str(a.dtype())));
}

TensorRef tensor_of(const py::array& a, bool writable) {
  if (!(a.flags() & py::array::c_style))
    throw py::value_error("native kernels need C-contiguous arrays");
  if (a.ndim() > kMaxDims) throw py::value_error("array rank exceeds the native limit");
  if (writable && !a.writeable()) throw py::value_error("output array is read-only");
  TensorRef t;
  t.data = const_cast<void*>(a.data());
  t.dtype = dtype_of(a);
  t.ndim = static_cast<int32_t>(a.ndim());
  for (py::ssize_t i = 0; i < a.ndim(); ++i) t.dims[i] = a.shape(i);
  return t;
}

void raise_if_error(const Status& st) {
  if (!st.ok()) throw py::value_error(st.message);
}

// Eager path: one primitive on NumPy arrays (the same kernels the executor runs).
void run_op_py(int op, const std::vector<py::array>& ins, const std::vector<py::array>& outs,
               const std::vector<int64_t>& ints, const std::vector<double>& floats) {
  if (op < 0 || op >= kNumOps) throw py::value_error("unknown op code");
  if (ins.size() + outs.size() > static_cast<size_t>(kMaxOperands))
    throw py::value_error("too many operands");
  OpCall call;
  call.op = static_cast<Op>(op);
  call.n_in = static_cast<int32_t>(ins.size());
  call.n_out = static_cast<int32_t>(outs.size());
  int j = 0;
  for (const auto& a : ins) call.t[j++] = tensor_of(a, false);
  for (const auto& a : outs) call.t[j++] = tensor_of(a, true);
  call.ints = ints.data();
  call.n_ints = static_cast<int32_t>(ints.size());
  call.floats = floats.data();
  call.n_floats = static_cast<int32_t>(floats.size());
  Status st;
  {
    py::gil_scoped_release release;
    st = run_op(call);
  }
  raise_if_error(st);
}

char* block_ptr(const py::array& block) {
  if (block.dtype().kind() != 'u' || block.itemsize() != 1 || !(block.flags() & py::array::c_style))
    throw py::type_error("memory blocks must be contiguous uint8 arrays");
  return static_cast<char*>(const_cast<void*>(block.data()));
}

// Holds the plan's memory blocks alive for as long as the executor exists.
class PyExecutor {
 public:
  PyExecutor(py::array arena, py::array state, py::array consts,
             const std::vector<py::tuple>& buffers, const std::vector<py::tuple>& instrs,
             const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
             int64_t batch_size)
      : arena_(arena), state_(state), consts_(consts) {
    std::vector<BufferDesc> bufs;
    for (const auto& b : buffers) {
      BufferDesc d;
      d.space = b[0].cast<int32_t>();
      d.offset = b[1].cast<int64_t>();
      d.dtype = static_cast<DType>(b[2].cast<int32_t>());
      d.shape = b[3].cast<std::vector<int64_t>>();
      py::array block = d.space == kArena ? arena_ : d.space == kState ? state_ : consts_;
      int64_t nbytes = 1;
      for (int64_t s : d.shape) nbytes *= s;
      nbytes *= d.dtype == DType::f64 || d.dtype == DType::i64 ? 8 : d.dtype == DType::b8 ? 1 : 4;
      if (d.offset < 0 || d.offset + nbytes > block.nbytes())
        throw py::value_error("buffer lies outside its memory block");
      bufs.push_back(std::move(d));
    }
    std::vector<InstrDesc> prog;
    for (const auto& t : instrs) {
      InstrDesc d;
      d.op = t[0].cast<int32_t>();
      d.inputs = t[1].cast<std::vector<int32_t>>();
      d.outputs = t[2].cast<std::vector<int32_t>>();
      d.ints = t[3].cast<std::vector<int64_t>>();
      d.floats = t[4].cast<std::vector<double>>();
      prog.push_back(std::move(d));
    }
    exec_ = std::make_unique<PlanExecutor>(block_ptr(arena_), block_ptr(state_),
                                           block_ptr(consts_), bufs, prog, inputs, outputs,
                                           batch_size);
  }

  void run(const std::vector<py::array>& data_in, py::object perm_obj, int64_t row_start,
           int64_t n_steps, const std::vector<py::array>& data_out, bool check_finite) {
    if (data_in.size() != exec_->num_inputs() || data_out.size() != exec_->num_outputs())
      throw py::value_error("wrong number of data arrays for this plan");
    std::vector<DataArray> ins = describe(data_in, false), outs = describe(data_out, true);
    const int64_t* perm = nullptr;
    int64_t perm_len = 0;
    py::array_t<int64_t, py::array::c_style> perm_arr;
    if (!perm_obj.is_none()) {
      perm_arr = py::array_t<int64_t, py::array::c_style>::ensure(perm_obj);
      if (!perm_arr) throw py::type_error("perm must be an int64 array");
      perm = perm_arr.data();
      perm_len = perm_arr.size();
    }
    Status st;
    {
      py::gil_scoped_release release;
      st = exec_->run(ins, perm, perm_len, row_start, n_steps, outs, check_finite);
    }
    raise_if_error(st);
  }

 private:
  std::vector<DataArray> describe(const std::vector<py::array>& arrays, bool out) {
    std::vector<DataArray> res;
    for (size_t i = 0; i < arrays.size(); ++i) {
      const py::array& a = arrays[i];
      const TensorRef& buf = out ? exec_->output(i) : exec_->input(i);
      TensorRef t = tensor_of(a, out);
      if (t.dtype != buf.dtype || t.ndim != buf.ndim || t.ndim == 0)
        throw py::value_error("data array dtype/rank does not match the plan");
      for (int d = 1; d < t.ndim; ++d)
        if (t.dims[d] != buf.dims[d]) throw py::value_error("data array row shape does not match the plan");
      DataArray da;
      da.data = static_cast<char*>(t.data);
      da.rows = t.dims[0];
      da.row_bytes = t.dims[0] ? static_cast<int64_t>(a.nbytes()) / t.dims[0] : 0;
      res.push_back(da);
    }
    return res;
  }

  py::array arena_, state_, consts_;
  std::unique_ptr<PlanExecutor> exec_;
};

}  // namespace

PYBIND11_MODULE(_cpu, m) {
  m.doc() = "fastkeras CPU kernels and plan executor";
  m.def("op_codes", [] {
    py::dict d;
    for (int i = 0; i < kNumOps; ++i) d[py::str(op_name(static_cast<Op>(i)))] = i;
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
  py::class_<PyExecutor>(m, "Executor")
      .def(py::init<py::array, py::array, py::array, const std::vector<py::tuple>&,
                    const std::vector<py::tuple>&, const std::vector<int32_t>&,
                    const std::vector<int32_t>&, int64_t>())
      .def("run", &PyExecutor::run, py::arg("data_inputs"), py::arg("perm"),
           py::arg("row_start"), py::arg("n_steps"), py::arg("data_outputs"),
           py::arg("check_finite") = false);
}
