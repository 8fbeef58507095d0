#include "worker/measure/measure.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "worker/export/torchscript.h"

#ifdef NASPRUNE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace nasprune::worker {
namespace {

void Synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

double MedianForwardMs(NetworkImpl& network, const torch::Tensor& input,
                       const LatencyOptions& options) {
  const torch::Device device = input.device();
  for (int i = 0; i < options.warmup; ++i) network.forward(input);
  std::vector<double> times;
  for (int i = 0; i < std::max(1, options.repeats); ++i) {
    Synchronize(device);
    const auto start = std::chrono::steady_clock::now();
    network.forward(input);
    Synchronize(device);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2,
                   times.end());
  return times[times.size() / 2];
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
  m.batch1_ms = MedianForwardMs(network, Input(network, 1), options);
  m.batch_size = options.batch_size;
  if (options.batch_size > 0) {
    m.batch_ms =
        MedianForwardMs(network, Input(network, options.batch_size), options);
  }
  m.repeats = options.repeats;
  m.device = DeviceName(DeviceOf(network));
  network.train(was_training);
  return m;
}

int64_t ModelBytes(NetworkImpl& network, const InputNormalization& input) {
  std::ostringstream out;
  ExportTorchScript(network, input).save(out);
  return static_cast<int64_t>(out.str().size());
}

}  // namespace nasprune::worker
