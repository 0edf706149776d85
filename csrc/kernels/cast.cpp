// cast between every pair of float32, float64, int32, int64 and bool, as NumPy's astype:
// float -> int truncates toward zero, anything -> bool is x != 0, bool -> number is 0/1.
#include <cstring>
#include <limits>
#include <type_traits>

#include "common.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

// Float -> int: truncation; NaN and out-of-range values give the integer minimum (what
// x86 conversion instructions, and hence NumPy, produce) instead of C++ UB.
template <class D, class S>
inline D convert(S x) {
  if constexpr (std::is_same_v<D, bool>) {
    return x != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    constexpr S lo = S(std::numeric_limits<D>::min());  // -2^(bits-1), exact
    if (!(x >= lo && x < -lo)) return std::numeric_limits<D>::min();
    return static_cast<D>(x);
  } else {
    return static_cast<D>(x);
  }
}

template <class S, class D>
void convert_all(const void* in, void* out, int64_t n) {
  const S* src = static_cast<const S*>(in);
  if constexpr (std::is_same_v<D, bool>) {
    uint8_t* dst = static_cast<uint8_t*>(out);  // numpy bool: one byte holding 0 or 1
    for (int64_t i = 0; i < n; ++i) dst[i] = convert<bool>(src[i]) ? 1 : 0;
  } else {
    D* dst = static_cast<D*>(out);
    for (int64_t i = 0; i < n; ++i) dst[i] = convert<D>(src[i]);
  }
}

// Bool source: read bytes as 0 / nonzero.
template <class D>
void from_bool(const void* in, void* out, int64_t n) {
  const uint8_t* src = static_cast<const uint8_t*>(in);
  if constexpr (std::is_same_v<D, bool>) {
    uint8_t* dst = static_cast<uint8_t*>(out);
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i] != 0;
  } else {
    D* dst = static_cast<D*>(out);
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i] != 0 ? D(1) : D(0);
  }
}

template <class D>
Status to(DType src, const void* in, void* out, int64_t n) {
  switch (src) {
    case DType::f32: convert_all<float, D>(in, out, n); break;
    case DType::f64: convert_all<double, D>(in, out, n); break;
    case DType::i32: convert_all<int32_t, D>(in, out, n); break;
    case DType::i64: convert_all<int64_t, D>(in, out, n); break;
    case DType::b8: from_bool<D>(in, out, n); break;
    default: return unsupported("cast", src);
  }
  return Status::success();
}

}  // namespace

Status cast(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  const int64_t n = x.size();
  if (y.size() != n) return Status::error("cast: output size differs from input");
  if (x.dtype == y.dtype && x.dtype != DType::b8) {
    if (n && x.data != y.data) std::memmove(y.data, x.data, n * elem_size(x.dtype));
    return Status::success();
  }
  switch (y.dtype) {
    case DType::f32: return to<float>(x.dtype, x.data, y.data, n);
    case DType::f64: return to<double>(x.dtype, x.data, y.data, n);
    case DType::i32: return to<int32_t>(x.dtype, x.data, y.data, n);
    case DType::i64: return to<int64_t>(x.dtype, x.data, y.data, n);
    case DType::b8: return to<bool>(x.dtype, x.data, y.data, n);
  }
  return unsupported("cast", y.dtype);
}

}  // namespace fk::kernels
