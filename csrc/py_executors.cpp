// The plan executors as Python objects (fastkeras._cpu.Executor, ShardedExecutor): plan
// descriptors in, NumPy memory blocks held alive, the GIL released while steps run.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "fastkeras/executor.hpp"
#include "fastkeras/sharded_executor.hpp"
#include "kernels/common.hpp"
#include "py_arrays.hpp"

namespace py = pybind11;

namespace fk::pyglue {
namespace {

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

std::vector<BufferDesc> parse_buffers(const std::vector<py::tuple>& buffers, int64_t arena_bytes,
                                      const py::array& state, const py::array& consts) {
  std::vector<BufferDesc> bufs;
  for (const auto& b : buffers) {
    BufferDesc d;
    d.space = b[0].cast<int32_t>();
    d.offset = b[1].cast<int64_t>();
    d.dtype = static_cast<DType>(b[2].cast<int32_t>());
    d.shape = b[3].cast<std::vector<int64_t>>();
    if (d.space < kArena || d.space > kConst) throw py::value_error("unknown buffer space");
    const int64_t block = d.space == kArena ? arena_bytes
                          : d.space == kState ? state.nbytes()
                                              : consts.nbytes();
    int64_t nbytes = kernels::elem_size(d.dtype);
    for (int64_t s : d.shape) nbytes *= s;
    if (d.offset < 0 || d.offset + nbytes > block)
      throw py::value_error("buffer lies outside its memory block");
    bufs.push_back(std::move(d));
  }
  return bufs;
}

std::vector<InstrDesc> parse_instrs(const std::vector<py::tuple>& instrs) {
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
  return prog;
}

// The caller's data arrays of one run() call, each checked against the plan buffer it fills
// (or, for outputs, is filled from): same dtype and row shape. On the stack for up to
// kInline arrays.
class DataArrays {
 public:
  // buffer(i): the plan's buffer for array i of n; `out`: the arrays are written.
  template <class Buffer>
  DataArrays(py::handle seq, size_t n, bool out, Buffer buffer) : items_(seq) {
    if (items_.size() != n) throw py::value_error("wrong number of data arrays for this plan");
    if (n > kInline) heap_.resize(n);
    arrays_ = n > kInline ? heap_.data() : inline_;
    for (size_t i = 0; i < n; ++i) arrays_[i] = describe(items_[i], buffer(i), out);
  }
  // The buffers of an executor's inputs (outputs), as `buffer` above.
  template <class Exec>
  static auto inputs_of(const Exec& ex) {
    return [&ex](size_t i) -> const TensorRef& { return ex.input(static_cast<int>(i)); };
  }
  template <class Exec>
  static auto outputs_of(const Exec& ex) {
    return [&ex](size_t i) -> const TensorRef& { return ex.output(static_cast<int>(i)); };
  }
  const DataArray* data() const { return arrays_; }

 private:
  static DataArray describe(PyObject* a, const TensorRef& buf, bool out) {
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
  static constexpr size_t kInline = 8;
  ArrayItems items_;
  DataArray inline_[kInline];
  std::vector<DataArray> heap_;
  DataArray* arrays_ = nullptr;
};

// A row permutation argument: None, or anything that converts to a C-contiguous int64 array.
struct Perm {
  explicit Perm(py::handle obj) {
    if (obj.is_none()) return;
    arr = py::array_t<int64_t, py::array::c_style>::ensure(obj);
    if (!arr) throw py::type_error("perm must be an int64 array");
    data = arr.data();
    len = arr.size();
  }
  py::array_t<int64_t, py::array::c_style> arr;
  const int64_t* data = nullptr;
  int64_t len = 0;
};

// Holds the plan's memory blocks alive for as long as the executor exists.
class PyExecutor {
 public:
  PyExecutor(py::array arena, py::array state, py::array consts,
             const std::vector<py::tuple>& buffers, const std::vector<py::tuple>& instrs,
             const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
             int64_t batch_size)
      : arena_(arena), state_(state), consts_(consts), state_mu_(state_mutex(block_ptr(state))) {
    const auto bufs = parse_buffers(buffers, arena_.nbytes(), state_, consts_);
    exec_ = std::make_unique<PlanExecutor>(block_ptr(arena_), block_ptr(state_),
                                           block_ptr(consts_), bufs, parse_instrs(instrs),
                                           inputs, outputs, batch_size);
  }

  // data_in, data_out: lists or tuples of arrays, one per plan input / output.
  void run(py::handle data_in, py::handle perm_obj, int64_t row_start, int64_t n_steps,
           py::handle data_out, bool check_finite) {
    const DataArrays ins(data_in, exec_->num_inputs(), false, DataArrays::inputs_of(*exec_));
    const DataArrays outs(data_out, exec_->num_outputs(), true, DataArrays::outputs_of(*exec_));
    const Perm perm(perm_obj);
    run_arrays(ins.data(), perm.data, perm.len, row_start, n_steps, outs.data(), check_finite);
  }

  // run() on arrays already checked against this plan's buffers (PyForwardCall).
  void run_arrays(const DataArray* ins, const int64_t* perm, int64_t perm_len, int64_t row_start,
                  int64_t n_steps, const DataArray* outs, bool check_finite) {
    Status st;
    {
      py::gil_scoped_release release;  // first: a thread waiting for the lock holds no GIL
      std::lock_guard<std::mutex> lock(*state_mu_);
      st = exec_->run(ins, perm, perm_len, row_start, n_steps, outs, check_finite);
    }
    raise_if_error(st);
  }

  const PlanExecutor& plan() const { return *exec_; }

 private:
  py::array arena_, state_, consts_;
  std::shared_ptr<std::mutex> state_mu_;
  std::unique_ptr<PlanExecutor> exec_;
};

// A training plan run data-parallel (sharded_executor.hpp): one arena per shard.
class PyShardedExecutor {
 public:
  PyShardedExecutor(const std::vector<py::array>& arenas, py::array state, py::array consts,
                    const std::vector<py::tuple>& buffers, const std::vector<py::tuple>& instrs,
                    const std::vector<int32_t>& inputs, int64_t shard_batch, int32_t pure_end,
                    const std::vector<int32_t>& effect_kinds)
      : arenas_(arenas), state_(state), consts_(consts),
        state_mu_(state_mutex(block_ptr(state))) {
    if (arenas_.empty()) throw py::value_error("a sharded executor needs at least one arena");
    std::vector<char*> ptrs;
    for (const py::array& a : arenas_) {
      if (a.nbytes() != arenas_[0].nbytes())
        throw py::value_error("shard arenas must have the same size");
      ptrs.push_back(block_ptr(a));
    }
    const auto bufs = parse_buffers(buffers, arenas_[0].nbytes(), state_, consts_);
    exec_ = std::make_unique<ShardedExecutor>(ptrs, block_ptr(state_), block_ptr(consts_), bufs,
                                              parse_instrs(instrs), inputs, shard_batch,
                                              pure_end, effect_kinds);
  }

  // Same arguments as Executor.run; a training plan has no data outputs.
  void run(py::handle data_in, py::handle perm_obj, int64_t row_start, int64_t n_steps,
           py::handle data_out, bool check_finite) {
    const DataArrays ins(data_in, exec_->num_inputs(), false, DataArrays::inputs_of(*exec_));
    if (ArrayItems(data_out).size() != 0) throw py::value_error("a sharded plan has no outputs");
    const Perm perm(perm_obj);
    Status st;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(*state_mu_);
      st = exec_->run(ins.data(), perm.data, perm.len, row_start, n_steps, check_finite);
    }
    raise_if_error(st);
  }

  int num_shards() const { return exec_->num_shards(); }

 private:
  std::vector<py::array> arenas_;
  py::array state_, consts_;
  std::shared_ptr<std::mutex> state_mu_;
  std::unique_ptr<ShardedExecutor> exec_;
};

// One input shape's whole predict in one Python call (trainers/forward.py's fast path; a
// 1-row predict is ~13 us, of which the Python around the executor took ~2). Made for one
// array kind: an ndarray of the plan's input dtype (its native descriptor), C-contiguous,
// of exactly x_shape. Any other x gives None and the caller takes its checked path. Every
// part (executor, first row, steps) runs with the input NaN/inf check into one new output.
class PyForwardCall {
 public:
  PyForwardCall(const std::vector<py::tuple>& parts, const std::vector<int64_t>& x_shape,
                const std::vector<int64_t>& out_shape)
      : x_shape_(x_shape), out_shape_(out_shape.begin(), out_shape.end()) {
    if (parts.empty()) throw py::value_error("a forward call needs at least one executor");
    if (x_shape.empty() || out_shape.empty() || x_shape.size() > static_cast<size_t>(kMaxDims) ||
        out_shape.size() > static_cast<size_t>(kMaxDims) || out_shape[0] != x_shape[0])
      throw py::value_error("forward call: x and output must have the same number of rows");
    int64_t covered = 0;  // rows [0, covered) have a part; the parts must cover x in order
    for (const py::tuple& t : parts) {
      Part p{};
      try {
        if (t.size() != 3) throw py::cast_error();
        p = Part{t[0], t[0].cast<PyExecutor*>(), t[1].cast<int64_t>(), t[2].cast<int64_t>()};
      } catch (const py::cast_error&) {
        throw py::type_error("forward call: parts must be (Executor, first row, steps) tuples");
      }
      const PlanExecutor& plan = p.exec->plan();
      if (p.start != covered || p.steps < 1)
        throw py::value_error("forward call: the parts must cover x's rows in order");
      covered += p.steps * plan.batch_size();
      if (plan.num_inputs() != 1 || plan.num_outputs() != 1)
        throw py::value_error("forward call: plans with one input and one output only");
      check_rows(plan.input(0), x_shape, "x");
      check_rows(plan.output(0), out_shape, "output");
      if (!parts_.empty() && (plan.input(0).dtype != x_dtype_ || plan.output(0).dtype != out_dtype_))
        throw py::value_error("forward call: the parts' dtypes differ");
      x_dtype_ = plan.input(0).dtype;
      out_dtype_ = plan.output(0).dtype;
      parts_.push_back(std::move(p));
    }
    if (covered != x_shape[0])
      throw py::value_error("forward call: the parts must cover x's rows in order");
    x_row_bytes_ = row_bytes(x_shape_, x_dtype_);
    out_row_bytes_ = row_bytes(out_shape, out_dtype_);
  }

  py::object call(py::handle x) const {
    PyObject* o = x.ptr();
    if (!is_array(o)) return py::none();
    const auto* a = py::detail::array_proxy(o);
    if (a->descr != g_descr[static_cast<int>(x_dtype_)] ||
        !(a->flags & py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_) ||
        a->nd != static_cast<int>(x_shape_.size()))
      return py::none();
    for (int d = 0; d < a->nd; ++d)
      if (a->dimensions[d] != x_shape_[d]) return py::none();
    py::array out(py::reinterpret_borrow<py::dtype>(g_descr[static_cast<int>(out_dtype_)]),
                  out_shape_);
    const DataArray in{static_cast<char*>(a->data), x_shape_[0], x_row_bytes_};
    const DataArray res{static_cast<char*>(out.mutable_data()), x_shape_[0], out_row_bytes_};
    for (const Part& p : parts_)
      p.exec->run_arrays(&in, nullptr, 0, p.start, p.steps, &res, /*check_finite=*/true);
    return std::move(out);
  }

 private:
  struct Part {
    py::object owner;  // keeps exec alive
    PyExecutor* exec = nullptr;
    int64_t start = 0, steps = 0;
  };
  static void check_rows(const TensorRef& buf, const std::vector<int64_t>& shape,
                         const char* what) {
    bool same = buf.ndim == static_cast<int>(shape.size());
    for (int d = 1; same && d < buf.ndim; ++d) same = buf.dims[d] == shape[d];
    if (!same) throw py::value_error(std::string("forward call: ") + what +
                                     " row shape does not match the plan");
  }
  static int64_t row_bytes(const std::vector<int64_t>& shape, DType dtype) {
    int64_t n = kernels::elem_size(dtype);
    for (size_t d = 1; d < shape.size(); ++d) n *= shape[d];
    return n;
  }
  std::vector<Part> parts_;
  std::vector<int64_t> x_shape_;
  std::vector<py::ssize_t> out_shape_;
  DType x_dtype_ = DType::f32, out_dtype_ = DType::f32;
  int64_t x_row_bytes_ = 0, out_row_bytes_ = 0;
};

}  // namespace

void bind_executors(py::module_& m) {
  py::class_<PyExecutor>(m, "Executor")
      .def(py::init<py::array, py::array, py::array, const std::vector<py::tuple>&,
                    const std::vector<py::tuple>&, const std::vector<int32_t>&,
                    const std::vector<int32_t>&, int64_t>())
      .def("run", &PyExecutor::run, py::arg("data_inputs"), py::arg("perm"),
           py::arg("row_start"), py::arg("n_steps"), py::arg("data_outputs"),
           py::arg("check_finite") = false);
  py::class_<PyShardedExecutor>(m, "ShardedExecutor")
      .def(py::init<const std::vector<py::array>&, py::array, py::array,
                    const std::vector<py::tuple>&, const std::vector<py::tuple>&,
                    const std::vector<int32_t>&, int64_t, int32_t, const std::vector<int32_t>&>(),
           py::arg("arenas"), py::arg("state"), py::arg("consts"), py::arg("buffers"),
           py::arg("instrs"), py::arg("inputs"), py::arg("shard_batch"), py::arg("pure_end"),
           py::arg("effect_kinds"))
      .def_property_readonly("num_shards", &PyShardedExecutor::num_shards)
      .def("run", &PyShardedExecutor::run, py::arg("data_inputs"), py::arg("perm"),
           py::arg("row_start"), py::arg("n_steps"), py::arg("data_outputs") = py::tuple(),
           py::arg("check_finite") = false);
  py::class_<PyForwardCall>(m, "ForwardCall")
      .def(py::init<const std::vector<py::tuple>&, const std::vector<int64_t>&,
                    const std::vector<int64_t>&>(),
           py::arg("parts"), py::arg("x_shape"), py::arg("out_shape"))
      .def("__call__", &PyForwardCall::call, py::arg("x"));
}

}  // namespace fk::pyglue
