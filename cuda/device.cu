// CUDA runtime glue: device discovery, a probe kernel that proves the toolchain works, and
// the first kernel on the shared scalar formulas (fastkeras/scalar.hpp, also used by the CPU
// kernels). The per-op kernels arrive with the CUDA backend issue.
#include <cuda_runtime.h>

#include <string>

#include "device.hpp"
#include "fastkeras/scalar.hpp"

namespace fkcuda {

namespace {
__global__ void axpy_kernel(int n, float a, const float* x, float* y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

// The scalar formula the CPU kernels use (fastkeras/scalar.hpp), here on the device.
__global__ void sigmoid_kernel(int n, const float* x, float* y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = fk::scalar::sigmoid(x[i]);
}

// x (n,) and y (n,) to the device (y only when the kernel reads it), launch(dx, dy), y back.
template <class Launch>
std::string on_device(int n, const float* x, float* y, bool y_is_input, Launch launch) {
  float *dx = nullptr, *dy = nullptr;
  size_t bytes = sizeof(float) * static_cast<size_t>(n);
  cudaError_t err = cudaMalloc(&dx, bytes);
  if (err == cudaSuccess) err = cudaMalloc(&dy, bytes);
  if (err == cudaSuccess) err = cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice);
  if (err == cudaSuccess && y_is_input) err = cudaMemcpy(dy, y, bytes, cudaMemcpyHostToDevice);
  if (err == cudaSuccess) {
    launch(dx, dy);
    err = cudaGetLastError();
  }
  if (err == cudaSuccess) err = cudaMemcpy(y, dy, bytes, cudaMemcpyDeviceToHost);
  cudaFree(dx);
  cudaFree(dy);
  return err == cudaSuccess ? "" : cudaGetErrorString(err);
}
}  // namespace

int device_count() {
  int n = 0;
  // No driver or no GPU: report zero devices instead of failing the import.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

std::string device_name(int index) {
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) return "";
  return prop.name;
}

int runtime_version() {
  int v = 0;
  cudaRuntimeGetVersion(&v);
  return v;
}

std::string axpy(int n, float a, const float* x, float* y) {
  return on_device(n, x, y, true, [&](const float* dx, float* dy) {
    axpy_kernel<<<(n + 255) / 256, 256>>>(n, a, dx, dy);
  });
}

std::string sigmoid(int n, const float* x, float* y) {
  return on_device(n, x, y, false, [&](const float* dx, float* dy) {
    sigmoid_kernel<<<(n + 255) / 256, 256>>>(n, dx, dy);
  });
}

}  // namespace fkcuda
