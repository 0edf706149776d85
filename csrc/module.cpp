// pybind11 module fastkeras._cpu: the only file in csrc/ that knows about Python objects.
// It converts NumPy arrays and plan descriptors into the plain structs of tensor.hpp and
// executor.hpp, and releases the GIL while kernels run.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <vector>

#include "fastkeras/executor.hpp"
#include "fastkeras/tensor.hpp"
#include "kernels/common.hpp"
#include "kernels/thread_pool.hpp"

namespace py = pybind11;
using namespace fk;

namespace {

DType dtype_of(const py::dtype& d) {
  const char kind = d.kind();
  const auto size = d.itemsize();
  // Kernels read native byte order only ('=': native, '|': single bytes).
  constexpr char kNative = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? '<' : '>';
  const char order = d.byteorder();
  if (order != '=' && order != '|' && order != kNative)
    throw py::type_error("array dtype " + std::string(py::str(d)) + " is not in native byte order");
  if (kind == 'f' && size == 4) return DType::f32;
  if (kind == 'f' && size == 8) return DType::f64;
  if (kind == 'i' && size == 4) return DType::i32;
  if (kind == 'i' && size == 8) return DType::i64;
  if (kind == 'b' && size == 1) return DType::b8;
  throw py::type_error("unsupported array dtype " + std::string(py::str(d)));
}

// NumPy's descriptors of the native dtypes are singletons: one pointer compare then
// answers for nearly every array (filled once at import, order of DType).
PyObject* g_descr[5] = {};

DType dtype_of_descr(PyObject* descr) {
  for (int i = 0; i < 5; ++i)
    if (descr == g_descr[i]) return static_cast<DType>(i);
  return dtype_of(py::reinterpret_borrow<py::dtype>(descr));
}

bool is_array(PyObject* o) { return py::detail::npy_api::get().PyArray_Check_(o); }

// o must be an ndarray (is_array); reads its fields without creating Python objects.
TensorRef tensor_of(PyObject* o, bool writable) {
  const auto* a = py::detail::array_proxy(o);
  if (!(a->flags & py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_))
    throw py::value_error("native kernels need C-contiguous arrays");
  if (a->nd > kMaxDims) throw py::value_error("array rank exceeds the native limit");
  if (writable && !(a->flags & py::detail::npy_api::NPY_ARRAY_WRITEABLE_))
    throw py::value_error("output array is read-only");
  TensorRef t;
  t.data = a->data;
  t.dtype = dtype_of_descr(a->descr);
  t.ndim = a->nd;
  for (int i = 0; i < a->nd; ++i) t.dims[i] = a->dimensions[i];
  return t;
}


// seq itself when it is a list or tuple, else a list of its items (PySequence_Fast); only
// for reading values under the GIL.
py::object fast_sequence(py::handle seq, const char* what) {
  if (PyList_Check(seq.ptr()) || PyTuple_Check(seq.ptr()))
    return py::reinterpret_borrow<py::object>(seq);
  py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq.ptr(), what));
  if (!fast) throw py::error_already_set();
  return fast;
}

// A tuple of seq's items: seq itself when it is one (immutable: its items stay alive while
// the kernels run without the GIL, which a list another thread may empty would not ensure).
py::object as_tuple(py::handle seq) {
  if (PyTuple_Check(seq.ptr())) return py::reinterpret_borrow<py::object>(seq);
  py::object t = py::reinterpret_steal<py::object>(PySequence_Tuple(seq.ptr()));
  if (!t) throw py::error_already_set();
  return t;
}

// The items of a sequence of arrays, borrowed from a tuple this object holds; items that
// are not ndarrays are converted (as pybind's py::array argument would) and the converted
// arrays are kept alive here. No allocation for a tuple of up to kInline arrays.
class ArrayItems {
 public:
  explicit ArrayItems(py::handle seq) : seq_(as_tuple(seq)) {
    n_ = PySequence_Fast_GET_SIZE(seq_.ptr());
    PyObject** items = PySequence_Fast_ITEMS(seq_.ptr());
    if (n_ > kInline) heap_.resize(n_);
    ptrs_ = n_ > kInline ? heap_.data() : inline_;
    for (py::ssize_t i = 0; i < n_; ++i) {
      PyObject* o = items[i];
      if (!is_array(o)) {
        keep_.push_back(py::array(py::reinterpret_borrow<py::object>(o)));
        o = keep_.back().ptr();
      }
      ptrs_[i] = o;
    }
  }
  size_t size() const { return static_cast<size_t>(n_); }
  PyObject* operator[](size_t i) const { return ptrs_[i]; }

 private:
  static constexpr int kInline = 16;
  py::object seq_;
  py::ssize_t n_ = 0;
  PyObject* inline_[kInline];
  std::vector<PyObject*> heap_;
  PyObject** ptrs_ = nullptr;
  std::vector<py::object> keep_;
};

// A list or tuple of Python numbers as a flat array (no allocation for short ones).
template <class T>
class Numbers {
 public:
  Numbers(py::handle seq, const char* what) {
    const py::object fast = fast_sequence(seq, what);
    const py::ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    if (n > kInline) heap_.resize(n);
    p_ = n > kInline ? heap_.data() : inline_;
    n_ = static_cast<int32_t>(n);
    try {
      for (py::ssize_t i = 0; i < n; ++i)
        p_[i] = py::reinterpret_borrow<py::object>(items[i]).cast<T>();
    } catch (const py::cast_error&) {
      throw py::type_error(what);
    }
  }
  const T* data() const { return p_; }
  int32_t size() const { return n_; }

 private:
  static constexpr int kInline = 16;
  T inline_[kInline];
  std::vector<T> heap_;
  T* p_ = nullptr;
  int32_t n_ = 0;
};

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

void raise_if_error(const Status& st) {
  if (!st.ok()) throw py::value_error(st.message);
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

char* block_ptr(const py::array& block) {
  if (block.dtype().kind() != 'u' || block.itemsize() != 1 || !(block.flags() & py::array::c_style))
    throw py::type_error("memory blocks must be contiguous uint8 arrays");
  return static_cast<char*>(const_cast<void*>(block.data()));
}

// Executors that share a state block (one model's train, test and predict plans) run one at
// a time: each writes its own arena and may update the shared variables and metric
// accumulators, so two Python threads using one model would otherwise corrupt both (seen:
// concurrent predicts returned wrong rows). One mutex per block, found by its address.
std::shared_ptr<std::mutex> state_mutex(const void* block) {
  static auto* registry_mu = new std::mutex;  // never destroyed: no exit-order hazards
  static auto* registry = new std::unordered_map<const void*, std::weak_ptr<std::mutex>>;
  std::lock_guard<std::mutex> guard(*registry_mu);
  if (registry->size() > 256)  // forget the blocks of models that are gone
    for (auto it = registry->begin(); it != registry->end();)
      it = it->second.expired() ? registry->erase(it) : std::next(it);
  std::weak_ptr<std::mutex>& slot = (*registry)[block];
  std::shared_ptr<std::mutex> mu = slot.lock();
  if (!mu) {
    mu = std::make_shared<std::mutex>();
    slot = mu;
  }
  return mu;
}

// Holds the plan's memory blocks alive for as long as the executor exists.
class PyExecutor {
 public:
  PyExecutor(py::array arena, py::array state, py::array consts,
             const std::vector<py::tuple>& buffers, const std::vector<py::tuple>& instrs,
             const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
             int64_t batch_size)
      : arena_(arena), state_(state), consts_(consts), state_mu_(state_mutex(block_ptr(state))) {
    std::vector<BufferDesc> bufs;
    for (const auto& b : buffers) {
      BufferDesc d;
      d.space = b[0].cast<int32_t>();
      d.offset = b[1].cast<int64_t>();
      d.dtype = static_cast<DType>(b[2].cast<int32_t>());
      d.shape = b[3].cast<std::vector<int64_t>>();
      py::array block = d.space == kArena ? arena_ : d.space == kState ? state_ : consts_;
      int64_t nbytes = kernels::elem_size(d.dtype);
      for (int64_t s : d.shape) nbytes *= s;
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

  // data_in, data_out: lists or tuples of arrays, one per plan input / output.
  void run(py::handle data_in, py::handle perm_obj, int64_t row_start, int64_t n_steps,
           py::handle data_out, bool check_finite) {
    const ArrayItems in_items(data_in);
    const ArrayItems out_items(data_out);
    if (in_items.size() != exec_->num_inputs() || out_items.size() != exec_->num_outputs())
      throw py::value_error("wrong number of data arrays for this plan");
    constexpr size_t kInline = 8;  // on the stack up to here
    DataArray in_buf[kInline], out_buf[kInline];
    std::vector<DataArray> in_heap, out_heap;
    if (in_items.size() > kInline) in_heap.resize(in_items.size());
    if (out_items.size() > kInline) out_heap.resize(out_items.size());
    DataArray* ins = in_heap.empty() ? in_buf : in_heap.data();
    DataArray* outs = out_heap.empty() ? out_buf : out_heap.data();
    for (size_t i = 0; i < in_items.size(); ++i) ins[i] = describe(in_items[i], i, false);
    for (size_t i = 0; i < out_items.size(); ++i) outs[i] = describe(out_items[i], i, true);
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
      py::gil_scoped_release release;  // first: a thread waiting for the lock holds no GIL
      std::lock_guard<std::mutex> lock(*state_mu_);
      st = exec_->run(ins, perm, perm_len, row_start, n_steps, outs, check_finite);
    }
    raise_if_error(st);
  }

 private:
  // The plan's i-th input (or output) buffer must match the array's dtype and row shape.
  DataArray describe(PyObject* a, size_t i, bool out) const {
    const TensorRef& buf = out ? exec_->output(i) : exec_->input(i);
    const TensorRef t = tensor_of(a, out);
    if (t.dtype != buf.dtype || t.ndim != buf.ndim || t.ndim == 0)
      throw py::value_error("data array dtype/rank does not match the plan");
    int64_t row_elems = 1;
    for (int d = 1; d < t.ndim; ++d) {
      if (t.dims[d] != buf.dims[d])
        throw py::value_error("data array row shape does not match the plan");
      row_elems *= t.dims[d];
    }
    DataArray da;
    da.data = static_cast<char*>(t.data);
    da.rows = t.dims[0];
    da.row_bytes = row_elems * kernels::elem_size(t.dtype);
    return da;
  }

  py::array arena_, state_, consts_;
  std::shared_ptr<std::mutex> state_mu_;
  std::unique_ptr<PlanExecutor> exec_;
};

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
  py::class_<PyExecutor>(m, "Executor")
      .def(py::init<py::array, py::array, py::array, const std::vector<py::tuple>&,
                    const std::vector<py::tuple>&, const std::vector<int32_t>&,
                    const std::vector<int32_t>&, int64_t>())
      .def("run", &PyExecutor::run, py::arg("data_inputs"), py::arg("perm"),
           py::arg("row_start"), py::arg("n_steps"), py::arg("data_outputs"),
           py::arg("check_finite") = false);
}
