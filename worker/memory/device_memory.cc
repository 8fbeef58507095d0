#include "worker/memory/device_memory.h"

#ifdef NASPRUNE_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

namespace nasprune::worker {

#ifdef NASPRUNE_WITH_CUDA

bool BuiltWithCuda() { return true; }

std::optional<DeviceMemory> QueryDeviceMemory(const torch::Device& device) {
  if (!device.is_cuda() || !torch::cuda::is_available()) return std::nullopt;
  const c10::DeviceIndex index = device.has_index() ? device.index() : 0;
  const c10::cuda::CUDAGuard guard(index);
  size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
    cudaGetLastError();  // Clears the error; the caller sees "unknown".
    return std::nullopt;
  }
  DeviceMemory memory;
  memory.free_bytes = static_cast<int64_t>(free);
  memory.total_bytes = static_cast<int64_t>(total);
  // Index 0 of each stat array is the aggregate of all pools, in every
  // LibTorch 2.x (whichever namespace StatType lives in).
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  memory.allocated_bytes = stats.allocated_bytes[0].current;
  memory.reserved_bytes = stats.reserved_bytes[0].current;
  memory.peak_allocated_bytes = stats.allocated_bytes[0].peak;
  return memory;
}

void ResetDevicePeak(const torch::Device& device) {
  if (!device.is_cuda() || !torch::cuda::is_available()) return;
  c10::cuda::CUDACachingAllocator::resetPeakStats(
      device.has_index() ? device.index() : 0);
}

void ReleaseDeviceCache() {
  if (torch::cuda::is_available()) {
    c10::cuda::CUDACachingAllocator::emptyCache();
  }
}

#else  // Debian's LibTorch: CPU only.

bool BuiltWithCuda() { return false; }

std::optional<DeviceMemory> QueryDeviceMemory(const torch::Device&) {
  return std::nullopt;
}

void ResetDevicePeak(const torch::Device&) {}

void ReleaseDeviceCache() {}

#endif

}  // namespace nasprune::worker
