// NumPy arrays and Python sequences as the plain structs of tensor.hpp: shared by the
// pybind11 files (module.cpp, py_executors.cpp), the only ones in csrc/ that know Python.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "fastkeras/tensor.hpp"

namespace fk::pyglue {

namespace py = pybind11;

inline DType dtype_of(const py::dtype& d) {
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
inline PyObject* g_descr[5] = {};

inline DType dtype_of_descr(PyObject* descr) {
  for (int i = 0; i < 5; ++i)
    if (descr == g_descr[i]) return static_cast<DType>(i);
  return dtype_of(py::reinterpret_borrow<py::dtype>(descr));
}

inline bool is_array(PyObject* o) { return py::detail::npy_api::get().PyArray_Check_(o); }

// o must be an ndarray (is_array); reads its fields without creating Python objects.
inline TensorRef tensor_of(PyObject* o, bool writable) {
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
inline py::object fast_sequence(py::handle seq, const char* what) {
  if (PyList_Check(seq.ptr()) || PyTuple_Check(seq.ptr()))
    return py::reinterpret_borrow<py::object>(seq);
  py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq.ptr(), what));
  if (!fast) throw py::error_already_set();
  return fast;
}

// A tuple of seq's items: seq itself when it is one (immutable: its items stay alive while
// the kernels run without the GIL, which a list another thread may empty would not ensure).
inline py::object as_tuple(py::handle seq) {
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

inline void raise_if_error(const Status& st) {
  if (st.code == Status::kIndexError) throw py::index_error(st.message);
  if (!st.ok()) throw py::value_error(st.message);
}

}  // namespace fk::pyglue
