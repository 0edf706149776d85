// Scalar formulas that more than one kernel needs, written once: usable from C++ and, with
// FK_HD = __host__ __device__, from CUDA (cuda/device.cu instantiates them for the device;
// the CPU kernels and their tests exercise the same code on the host). The vector forms of
// exp, sigmoid and tanh live in kernels/vmath.inc and are checked against these by the op
// tests. Everything here has internal linkage (an unnamed namespace), so the ISA-specific
// translation units (ew_avx2.cpp, ...) may use it: each gets its own copy compiled for its
// ISA, and the linker can never hand an AVX copy to the generic path (see kernels/gemm.hpp).
#pragma once

#include <cmath>

#include "activation_codes.hpp"

#ifdef __CUDACC__
#define FK_HD __host__ __device__
#else
#define FK_HD
#endif

namespace fk::scalar {
namespace {

// Keras's backend epsilon: probabilities are clipped to [kEpsilon, 1 - kEpsilon] before a
// log. The Python references and fastkeras.config.epsilon() check that they use this number.
constexpr double kEpsilon = 1e-7;

// Stable logistic: exponentiates only -|x|, so it never overflows.
template <class T>
FK_HD inline T sigmoid(T x) {
  using std::exp, std::fabs;
  const T e = exp(-fabs(x));
  return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): never overflows.
template <class T>
FK_HD inline T log_sigmoid(T x) {
  using std::exp, std::fabs, std::log1p;
  return (x < T(0) ? x : T(0)) - log1p(exp(-fabs(x)));
}

// -1, 0 or 1; keeps 0 and NaN as they are.
template <class T>
FK_HD inline T sign(T x) {
  return x > T(0) ? T(1) : x < T(0) ? T(-1) : x;
}

// Keras's clip of a probability to [eps, 1 - eps], and its derivative (1 inside, else 0).
template <class T>
FK_HD inline T clip_probability(T p) {
  const T lo = T(kEpsilon), hi = T(1.0 - kEpsilon);
  return p < lo ? lo : p > hi ? hi : p;
}

template <class T>
FK_HD inline T inside_clip(T p) {
  return p >= T(kEpsilon) && p <= T(1.0 - kEpsilon) ? T(1) : T(0);
}

// NumPy's maximum / minimum: NaN if either operand is NaN.
template <class T>
FK_HD inline T maximum(T x, T y) {
  return (x > y || x != x) ? x : y;
}

template <class T>
FK_HD inline T minimum(T x, T y) {
  return (x < y || x != x) ? x : y;
}

template <class T>
FK_HD inline T relu(T x) {
  return x < T(0) ? T(0) : x;  // NaN stays NaN
}

// act(z) for an activation code (activation_codes.hpp); linear for any other code.
template <class T>
FK_HD inline T activation(int32_t act, T z) {
  using std::tanh;
  switch (act) {
    case kRelu: return relu(z);
    case kSigmoid: return sigmoid(z);
    case kTanh: return tanh(z);
    default: return z;
  }
}

// The input gradient from the activation's output y and the upstream g, in the
// references' order: relu g where y > 0 (y may be relu's input too), sigmoid (g*y)*(1-y),
// tanh g*(1 - y*y).
template <class T>
FK_HD inline T activation_grad(int32_t act, T y, T g) {
  switch (act) {
    case kRelu: return y > T(0) ? g : T(0);
    case kSigmoid: return g * y * (T(1) - y);
    case kTanh: return g * (T(1) - y * y);
    default: return g;
  }
}

}  // namespace
}  // namespace fk::scalar
