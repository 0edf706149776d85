// Operand and call descriptors shared by every CPU kernel and the plan executor.
// Kernels trust shapes and dtypes: the Python shape rules validated them when the plan
// (or the eager call) was built. Data-dependent errors (an index out of range) are
// reported through Status, never by crashing.
#pragma once

#include <cstdint>
#include <cstdio>

namespace fk {

enum class Op : int32_t {
#define FK_OP(name, family) name,
#include "ops.def"
#undef FK_OP
  count_
};

constexpr int kNumOps = static_cast<int>(Op::count_);
const char* op_name(Op op);

// The kernel family of each op (ops.def's second column): the arity, dispatch and shape
// rule of a family are written once (kernels/dispatch.cpp, kernels/shapes.cpp).
enum class Family : int8_t { unary, act_grad, arith, compare, none };
inline Family op_family(Op op) {
  static constexpr Family kFamilies[] = {
#define FK_OP(name, family) Family::family,
#include "ops.def"
#undef FK_OP
  };
  return kFamilies[static_cast<int>(op)];
}

// Codes match fastkeras.backends.native_codes.DTYPE_CODES.
enum class DType : int32_t { f32 = 0, f64 = 1, i32 = 2, i64 = 3, b8 = 4 };

constexpr int kMaxDims = 8;
constexpr int kMaxOperands = 16;

struct TensorRef {
  void* data = nullptr;
  DType dtype = DType::f32;
  int32_t ndim = 0;
  int64_t dims[kMaxDims] = {};

  int64_t size() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= dims[i];
    return n;
  }
  int64_t dim(int i) const { return i < 0 ? dims[ndim + i] : dims[i]; }
  template <class T> T* ptr() const { return static_cast<T*>(data); }
};

// One primitive application: operands are the inputs followed by the outputs.
struct OpCall {
  Op op = Op::count_;
  int32_t n_in = 0;
  int32_t n_out = 0;
  TensorRef t[kMaxOperands];
  const int64_t* ints = nullptr;  // attribute encoding documented per op in graph/primitives
  int32_t n_ints = 0;
  const double* floats = nullptr;
  int32_t n_floats = 0;

  const TensorRef& in(int i) const { return t[i]; }
  const TensorRef& out(int i) const { return t[n_in + i]; }
  int64_t iattr(int i) const { return ints[i]; }
  double fattr(int i) const { return floats[i]; }
};

struct Status {
  int32_t code = 0;  // 0: ok, kIndexError: an index out of range (IndexError), else ValueError
  static constexpr int32_t kIndexError = 2;
  char message[256];

  // Not zero-filled: every kernel returns a Status per call, and the message only matters
  // for errors (W1 runs ~50 per step).
  Status() { message[0] = '\0'; }

  bool ok() const { return code == 0; }
  static Status success() { return Status{}; }
  template <class... Args>
  static Status error(const char* fmt, Args... args) {
    Status s;
    s.code = 1;
    std::snprintf(s.message, sizeof s.message, fmt, args...);
    return s;
  }
  template <class... Args>
  static Status index_error(const char* fmt, Args... args) {
    Status s = error(fmt, args...);
    s.code = kIndexError;
    return s;
  }
};

// Runs one primitive on the CPU (csrc/kernels/dispatch.cpp).
Status run_op(const OpCall& call);
// The checks of run_op alone (op code, operand counts, ranks, dtypes, shapes).
Status validate_op(const OpCall& call);
// run_op without its checks, for calls validate_op accepted (shapes and dtypes fixed; only
// the data pointers may change since).
Status run_validated_op(const OpCall& call);

// CPU features found at import (csrc/cpu_features.cpp) and the kernel path chosen.
struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
};
const CpuFeatures& cpu_features();
const char* gemm_path();  // "avx512", "avx2" or "generic"

}  // namespace fk
