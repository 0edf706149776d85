// pybind11 module fastkeras._cuda: device discovery and the probe kernel. Importing it on a
// machine without a GPU or driver works and reports zero devices.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "device.hpp"
#include "fastkeras/tensor.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_cuda, m) {
  m.doc() = "fastkeras CUDA module";
  m.def("device_count", &fkcuda::device_count);
  m.def("device_name", &fkcuda::device_name, py::arg("index") = 0);
  m.def("runtime_version", &fkcuda::runtime_version);
  m.def("num_ops", [] { return fk::kNumOps; });
  m.def("axpy", [](float a, py::array_t<float, py::array::c_style> x,
                   py::array_t<float, py::array::c_style> y) {
    if (x.size() != y.size()) throw py::value_error("x and y differ in size");
    std::string err = fkcuda::axpy(static_cast<int>(x.size()), a, x.data(), y.mutable_data());
    if (!err.empty()) throw std::runtime_error("CUDA: " + err);
  });
  m.def("sigmoid", [](py::array_t<float, py::array::c_style> x) {
    py::array_t<float> y(x.size());
    std::string err = fkcuda::sigmoid(static_cast<int>(x.size()), x.data(), y.mutable_data());
    if (!err.empty()) throw std::runtime_error("CUDA: " + err);
    return y;
  });
}
