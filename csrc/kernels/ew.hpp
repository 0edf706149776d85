// Hot float32 elementwise kernels, one copy per instruction set (ew_generic.cpp,
// ew_avx2.cpp, ew_avx512.cpp compile ew_impl.inc in their own namespace), picked once by
// ew_table() from cpu_features(). Declarations only (see gemm.hpp for why).
//
// Every kernel gives the same bits on every ISA copy: IEEE operations in the scalar
// reference order, no FMA contraction, except where noted (the vector exp of sigmoid / tanh
// / exp, ~1 ulp from libm's).
#pragma once

#include <cstdint>

namespace fk::ew {

// One Adam step's scalars (kernels/updates.cpp derives them from Keras's hyperparameters).
struct AdamStep {
  float alpha, omb1, omb2, eps;  // lr * sqrt(1 - b2^t) / (1 - b1^t), 1 - b1, 1 - b2, epsilon
  float grad_scale;              // the global-norm clip factor (1: no clipping)
  float decay, lr;               // decoupled weight decay: var -= var * decay * lr (0: none)
};

struct Table {
  const char* name;
  // Keras Adam step, float32 throughout, with the base optimizer's options folded in:
  // g *= grad_scale; var -= var * decay * lr; m += (g - m) * omb1; v += (g*g - v) * omb2;
  // var -= (m * alpha) / (sqrt(v) + eps)
  void (*adam)(float* var, const float* g, float* m, float* v, int64_t n, const AdamStep& s);
  // d = op(a, b) over n contiguous floats for one instruction of an elementwise program
  // (op an ops.def code, program_ops.inc); false for an op that is not a program op
  bool (*program_op)(int32_t op, const float* a, const float* b, float* d, int64_t n);
  // y = e^x for x <= 0 (softmax's x - max): the activations' one-factor exp, which saturates
  // instead of reaching inf (never needed there) and costs less than the exp op's
  void (*exp_nonpositive)(const float* x, float* y, int64_t n);
  // d[i] = uniform [0, 1) number `first + i` of the stream `key` (scalar::random_uniform)
  void (*random_uniform)(uint64_t key, int64_t first, float* d, int64_t n);
  // d[i] = scalar::random_dropout(key, first + i, threshold, scale)
  void (*random_dropout)(uint64_t key, int64_t first, float* d, int64_t n, uint32_t threshold,
                         float scale);
  // Max pooling over one window (pool_windows.inc; kernels/pooling.cpp): best, arg
  // (channels) = the max of the window's rows x + flat[j] * channels and its position
  void (*window_max_f32)(const float* x, const int32_t* flat, int64_t offsets,
                         int64_t channels, float* best, int32_t* arg);
  void (*window_max_f64)(const double* x, const int32_t* flat, int64_t offsets,
                         int64_t channels, double* best, int32_t* arg);
  // ... and its gradient where windows never overlap: writes the window's rows of dx;
  // false when an arg names no position of the window
  bool (*window_route_f32)(const float* dy, const int32_t* arg, const int32_t* flat,
                           int64_t offsets, int64_t channels, float* dx);
  bool (*window_route_f64)(const double* dy, const int32_t* arg, const int32_t* flat,
                           int64_t offsets, int64_t channels, double* dx);
};

#define FK_EW_DECLARE(ns)                                                                  \
  namespace ns {                                                                          \
  void adam(float* var, const float* g, float* m, float* v, int64_t n, const AdamStep& s); \
  bool program_op(int32_t op, const float* a, const float* b, float* d, int64_t n);       \
  void exp_nonpositive(const float* x, float* y, int64_t n);                              \
  void random_uniform(uint64_t key, int64_t first, float* d, int64_t n);                 \
  void random_dropout(uint64_t key, int64_t first, float* d, int64_t n, uint32_t threshold,  \
                      float scale);                                                          \
  void window_max_f32(const float* x, const int32_t* flat, int64_t offsets, int64_t channels, \
                      float* best, int32_t* arg);                                            \
  void window_max_f64(const double* x, const int32_t* flat, int64_t offsets,                 \
                      int64_t channels, double* best, int32_t* arg);                         \
  bool window_route_f32(const float* dy, const int32_t* arg, const int32_t* flat,            \
                        int64_t offsets, int64_t channels, float* dx);                       \
  bool window_route_f64(const double* dy, const int32_t* arg, const int32_t* flat,           \
                        int64_t offsets, int64_t channels, double* dx);                      \
  }

FK_EW_DECLARE(generic)
#if defined(__x86_64__) || defined(_M_X64)
FK_EW_DECLARE(avx2)
FK_EW_DECLARE(avx512)
#endif

#undef FK_EW_DECLARE

// The copy for kernel_isa() (isa.hpp).
const Table& table();

}  // namespace fk::ew
