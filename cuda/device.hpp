#pragma once
#include <string>

namespace fkcuda {
int device_count();
std::string device_name(int index);
int runtime_version();
// y = a*x + y on the device; returns an error text, empty on success.
std::string axpy(int n, float a, const float* x, float* y);
// y = sigmoid(x) on the device with the CPU kernels' formula (fastkeras/scalar.hpp).
std::string sigmoid(int n, const float* x, float* y);
}  // namespace fkcuda
