#ifndef NASPRUNE_WORKER_MEMORY_DEVICE_MEMORY_H_
#define NASPRUNE_WORKER_MEMORY_DEVICE_MEMORY_H_

// Memory of a CUDA device, as the worker sees it: what the device has free
// (every process on it) and what LibTorch's CUDA caching allocator holds for
// this process. The daemon checks it before it takes a slot on a GPU (a
// slot per evaluation, several per device), reports its peak in each result
// and serves it as a metric (docs/worker.md).
//
// Built without CUDA (Debian's LibTorch), every query answers "no device":
// the CPU worker has no device memory to report.

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace nasprune::worker {

struct DeviceMemory {
  int64_t free_bytes = 0;   // Free on the device (cudaMemGetInfo).
  int64_t total_bytes = 0;  // The device's memory.
  // LibTorch's CUDA caching allocator, this process: bytes in tensors,
  // bytes held from the device (in tensors or cached), and the peak of the
  // former since the last ResetDevicePeak.
  int64_t allocated_bytes = 0;
  int64_t reserved_bytes = 0;
  int64_t peak_allocated_bytes = 0;
};

// Whether this worker was compiled against LibTorch with CUDA.
bool BuiltWithCuda();

// The memory of `device`; nullopt for a CPU device, in a build without
// CUDA, or when the device cannot be queried.
std::optional<DeviceMemory> QueryDeviceMemory(const torch::Device& device);

// Starts a new peak for `device` (no-op for a CPU device).
void ResetDevicePeak(const torch::Device& device);

// Hands the CUDA allocator's cached, unused blocks back to the device, so
// that a smaller retry, another slot or another process can have them
// (no-op without CUDA).
void ReleaseDeviceCache();

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MEMORY_DEVICE_MEMORY_H_
