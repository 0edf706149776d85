// Scalar formulas that more than one kernel needs, written once: usable from C++ and, with
// FK_HD = __host__ __device__, from CUDA (cuda/device.cu instantiates them for the device;
// the CPU kernels and their tests exercise the same code on the host). The vector (SIMD)
// forms live in kernels/vmath.inc and are checked against these by the op tests.
#pragma once

#include <cmath>

#ifdef __CUDACC__
#define FK_HD __host__ __device__
#else
#define FK_HD
#endif

namespace fk::scalar {

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

}  // namespace fk::scalar
