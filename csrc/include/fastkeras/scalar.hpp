// Scalar formulas that more than one kernel needs, written once: usable from C++ and, with
// FK_HD = __host__ __device__, from CUDA (cuda/device.cu instantiates them for the device;
// the CPU kernels and their tests exercise the same code on the host). The vector forms of
// exp, sigmoid and tanh live in kernels/vmath.inc and are checked against these by the op
// tests. Everything here has internal linkage (an unnamed namespace), so the ISA-specific
// translation units (ew_avx2.cpp, ...) may use it: each gets its own copy compiled for its
// ISA, and the linker can never hand an AVX copy to the generic path (see kernels/gemm.hpp).
#pragma once

#include <cmath>
#include <cstdint>

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

// The C library's math by float type, one overload each for float and double. They have
// internal linkage like everything here, so an ISA translation unit calling them never
// shares an out-of-line copy with another (std::sin(float) and the like are inline
// functions with external linkage: ew_impl.inc must not use them). On the device, CUDA's.
namespace lib {
#ifdef __CUDACC__
#define FK_LIBM_CALL(name, suffix) ::name##suffix
#else
#define FK_LIBM_CALL(name, suffix) __builtin_##name##suffix
#endif
#define FK_LIBM(name, arity)                                                    \
  FK_HD inline float name(FK_LIBM_PARAMS_##arity(float)) {                      \
    return FK_LIBM_CALL(name, f)(FK_LIBM_ARGS_##arity);                         \
  }                                                                             \
  FK_HD inline double name(FK_LIBM_PARAMS_##arity(double)) {                    \
    return FK_LIBM_CALL(name, )(FK_LIBM_ARGS_##arity);                          \
  }
#define FK_LIBM_PARAMS_1(T) T x
#define FK_LIBM_ARGS_1 x
#define FK_LIBM_PARAMS_2(T) T x, T y
#define FK_LIBM_ARGS_2 x, y
FK_LIBM(sin, 1) FK_LIBM(cos, 1) FK_LIBM(tan, 1) FK_LIBM(asin, 1) FK_LIBM(acos, 1)
FK_LIBM(atan, 1) FK_LIBM(sinh, 1) FK_LIBM(cosh, 1) FK_LIBM(asinh, 1) FK_LIBM(acosh, 1)
FK_LIBM(atanh, 1) FK_LIBM(log1p, 1) FK_LIBM(expm1, 1) FK_LIBM(floor, 1) FK_LIBM(ceil, 1)
FK_LIBM(pow, 2) FK_LIBM(atan2, 2) FK_LIBM(fmod, 2) FK_LIBM(copysign, 2)
#undef FK_LIBM
#undef FK_LIBM_CALL
#undef FK_LIBM_PARAMS_1
#undef FK_LIBM_ARGS_1
#undef FK_LIBM_PARAMS_2
#undef FK_LIBM_ARGS_2
}  // namespace lib

// NumPy's divmod of floats (npymath's npy_divmod), in T's arithmetic as NumPy's float32
// loop: the remainder from fmod (exact), moved to the divisor's sign; the quotient
// (a - remainder) / b, less one where the remainder moved, snapped to the integer it
// approximates. A zero divisor gives fmod's NaN and a / b. Returns the quotient (floor
// division) and stores the remainder (mod).
template <class T>
FK_HD inline T divmod(T a, T b, T* remainder) {
  T mod = lib::fmod(a, b);
  if (b == T(0)) {
    *remainder = mod;
    return a / b;
  }
  T div = (a - mod) / b;
  if (mod != T(0)) {
    if ((b < T(0)) != (mod < T(0))) {
      mod += b;
      div -= T(1);
    }
  } else {
    mod = lib::copysign(T(0), b);
  }
  T floordiv;
  if (div != T(0)) {
    floordiv = lib::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
  } else {
    floordiv = lib::copysign(T(0), a / b);
  }
  *remainder = mod;
  return floordiv;
}

template <class T>
FK_HD inline T mod(T a, T b) {
  T r;
  divmod(a, b, &r);
  return r;
}

template <class T>
FK_HD inline T floor_divide(T a, T b) {
  T r;
  return divmod(a, b, &r);
}

// x where c is nonzero (NaN counts), else -0.0: the additive identity, so
// select(c, a) + select(!c, b) is where(c, a, b) bit for bit, and the branch not taken never
// enters the sum (no NaN or inf leaks, ops/elementwise_math.py's where).
template <class T>
FK_HD inline T select(T c, T x) {
  return c != T(0) ? x : T(-0.0);
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

// Recurrent cells (graph/primitives/recurrent.py), given the activated gates; the operation
// order is the references' (and the composite's), so every backend rounds alike.
// LSTM: gates i, f, g (tanh) and o; the new cell state (h = o * tanh(c) follows).
template <class T>
FK_HD inline T lstm_state(T i, T f, T g, T c_prev) {
  return f * c_prev + i * g;
}

// lstm_cell's VJP for one unit, tc = tanh(c): the gates' pre-activation cotangents
// d[0..3] (i, f, g, o) and c_prev's.
template <class T>
FK_HD inline void lstm_state_grad(T i, T f, T g, T o, T tc, T c_prev, T dh, T dc, T* dz_i,
                                  T* dz_f, T* dz_g, T* dz_o, T* dc_prev) {
  const T d = dc + dh * o * (T(1) - tc * tc);  // through h, plus the carried cotangent
  *dz_i = d * g * i * (T(1) - i);
  *dz_f = d * c_prev * f * (T(1) - f);
  *dz_g = d * i * (T(1) - g * g);
  *dz_o = dh * tc * o * (T(1) - o);
  *dc_prev = d * f;
}

// GRU (reset_after=True): update gate z, candidate hh = tanh(x_h + r * inner_h).
template <class T>
FK_HD inline T gru_state(T z, T hh, T h_prev) {
  return z * h_prev + (T(1) - z) * hh;
}

// gru_cell's VJP for one unit, ih = inner_h: the pre-activation cotangents of z and r, of
// the candidate's input (x_h's; inner_h's is it times r) and h_prev's direct one.
template <class T>
FK_HD inline void gru_state_grad(T z, T r, T hh, T ih, T h_prev, T dh, T* dz, T* dr, T* dhh,
                                 T* dh_prev) {
  *dz = (dh * h_prev - dh * hh) * z * (T(1) - z);
  *dhh = dh * (T(1) - z) * (T(1) - hh * hh);
  *dr = *dhh * ih * r * (T(1) - r);
  *dh_prev = dh * z;
}

// Counter-based random numbers (graph/primitives/random.py has the definition and the
// NumPy reference): a 64-bit key per call from SplitMix64, then a 32-bit hash per element
// ("lowbias32" twice), which vectorises where 64-bit multiplies do not (AVX2).
FK_HD inline uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

FK_HD inline uint64_t random_key(uint64_t seed, uint64_t counter, uint64_t stream) {
  return splitmix64(splitmix64(splitmix64(seed) ^ counter) ^ stream);
}

FK_HD inline uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  return x ^ (x >> 16);
}

FK_HD inline uint32_t random_bits(uint64_t key, uint32_t i) {
  return lowbias32(lowbias32(i + static_cast<uint32_t>(key)) ^ static_cast<uint32_t>(key >> 32));
}

// In [0, 1): the top 24 bits, exact in float32.
FK_HD inline float random_uniform(uint64_t key, uint32_t i) {
  return static_cast<float>(static_cast<int32_t>(random_bits(key, i) >> 8)) * 0x1p-24f;
}

// Dropout's scaled keep mask: kept when the 24-bit draw is >= threshold = ceil(rate * 2**24).
FK_HD inline float random_dropout(uint64_t key, uint32_t i, uint32_t threshold, float scale) {
  return (random_bits(key, i) >> 8) >= threshold ? scale : 0.0f;
}

// Standard normal (Box-Muller in double from elements 2i and 2i + 1, rounded once).
FK_HD inline float random_normal(uint64_t key, uint32_t i) {
  const double u1 = (static_cast<double>(random_bits(key, 2 * i) >> 8) + 1.0) * 0x1p-24;
  const double u2 = static_cast<double>(random_bits(key, 2 * i + 1) >> 8) * 0x1p-24;
  using std::sqrt, std::log, std::cos;
  return static_cast<float>(sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2));
}

}  // namespace
}  // namespace fk::scalar
