#include "worker/measure/measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "worker/export/torchscript.h"

#ifdef NASPRUNE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace nasprune::worker {
namespace {

constexpr char kCudaEvents[] = "cuda-events";
constexpr char kSteadyClock[] = "steady-clock";

#ifdef NASPRUNE_WITH_CUDA
// Milliseconds of each of `repeats` passes, between two CUDA events on the
// device's current stream.
std::vector<double> CudaEventTimesMs(NetworkImpl& network,
                                     const torch::Tensor& input, int repeats) {
  const c10::cuda::CUDAGuard guard(input.device());
  const cudaStream_t stream =
      c10::cuda::getCurrentCUDAStream(input.device().index()).stream();
  cudaEvent_t start = nullptr, stop = nullptr;
  C10_CUDA_CHECK(cudaEventCreate(&start));
  C10_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<double> times;
  try {
    for (int i = 0; i < repeats; ++i) {
      C10_CUDA_CHECK(cudaEventRecord(start, stream));
      network.forward(input);
      C10_CUDA_CHECK(cudaEventRecord(stop, stream));
      C10_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      C10_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      times.push_back(ms);
    }
  } catch (...) {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    throw;
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return times;
}
#endif

// Milliseconds of each timed pass, after the warm-up passes.
std::vector<double> ForwardTimesMs(NetworkImpl& network,
                                   const torch::Tensor& input,
                                   const LatencyOptions& options) {
  const torch::Device device = input.device();
  for (int i = 0; i < options.warmup; ++i) network.forward(input);
  const int repeats = std::max(1, options.repeats);
  if (device.is_cuda()) {
#ifdef NASPRUNE_WITH_CUDA
    torch::cuda::synchronize(device.index());
    return CudaEventTimesMs(network, input, repeats);
#else
    throw std::runtime_error("this worker is built without CUDA");
#endif
  }
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    network.forward(input);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  return times;
}

torch::Tensor Input(const NetworkImpl& network, int64_t batch) {
  const auto& in = network.plan().input;
  return torch::randn({batch, in.channels, in.height, in.width},
                      torch::TensorOptions().device(DeviceOf(network)));
}

}  // namespace

torch::Device DeviceOf(const NetworkImpl& network) {
  return network.parameters().front().device();
}

std::string DeviceName(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef NASPRUNE_WITH_CUDA
    const auto* props = at::cuda::getDeviceProperties(device.index());
    return "cuda:" + std::to_string(device.index()) + " (" + props->name + ")";
#else
    return "cuda:" + std::to_string(device.index());
#endif
  }
  return "cpu (" + std::to_string(at::get_num_threads()) + " threads)";
}

CostMeasurement MeasureCost(NetworkImpl& network) {
  const bool was_training = network.is_training();
  network.eval();
  torch::NoGradGuard no_grad;
  LayerRecorder recorder;
  network.forward_recorded(Input(network, 1), &recorder);
  network.train(was_training);
  return {CountParameters(network), recorder.macs(), recorder.records()};
}

LatencyMeasurement MeasureLatency(NetworkImpl& network,
                                  const LatencyOptions& options) {
  const bool was_training = network.is_training();
  network.eval();
  torch::NoGradGuard no_grad;
  LatencyMeasurement m;
  const std::vector<double> batch1 =
      ForwardTimesMs(network, Input(network, 1), options);
  m.batch1_ms = Percentile(batch1, 0.5);
  m.batch1_p90_ms = Percentile(batch1, 0.9);
  m.batch_size = options.batch_size;
  if (options.batch_size > 0) {
    const std::vector<double> batch =
        ForwardTimesMs(network, Input(network, options.batch_size), options);
    m.batch_ms = Percentile(batch, 0.5);
    m.batch_p90_ms = Percentile(batch, 0.9);
  }
  m.repeats = std::max(1, options.repeats);
  const torch::Device device = DeviceOf(network);
  m.device = DeviceName(device);
  m.timing = device.is_cuda() ? kCudaEvents : kSteadyClock;
  network.train(was_training);
  return m;
}

double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(index, values.size() - 1)];
}

int64_t ModelBytes(NetworkImpl& network, const InputNormalization& input) {
  std::ostringstream out;
  ExportTorchScript(network, input).save(out);
  return static_cast<int64_t>(out.str().size());
}

}  // namespace nasprune::worker
