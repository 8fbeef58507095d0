#ifndef NASPRUNE_WORKER_MEASURE_MEASURE_H_
#define NASPRUNE_WORKER_MEASURE_MEASURE_H_

// Measurements of a network on the worker's device: parameters, MACs from
// the real tensor shapes, serialized size, and forward latency.

#include <torch/torch.h>

#include <string>
#include <vector>

#include "worker/export/torchscript.h"
#include "worker/model/network.h"

namespace nasprune::worker {

struct CostMeasurement {
  int64_t params = 0;
  int64_t macs = 0;                 // Per example.
  std::vector<LayerRecord> layers;  // Convolutions and linear layers.
};

// Counts parameters and runs one recorded forward pass at batch 1 (eval
// mode, no gradients) on the network's device.
CostMeasurement MeasureCost(NetworkImpl& network);

struct LatencyOptions {
  int warmup = 10;           // Untimed passes first.
  int repeats = 50;          // Timed passes; p50 and p90 are reported.
  int64_t batch_size = 128;  // 0: batch 1 only.
};

struct LatencyMeasurement {
  double batch1_ms = 0;      // p50 (median) at batch 1.
  double batch1_p90_ms = 0;  // p90 at batch 1.
  double batch_ms = 0;       // p50 at batch_size.
  double batch_p90_ms = 0;   // p90 at batch_size.
  int64_t batch_size = 0;
  int repeats = 0;
  std::string device;
  // How passes were timed: "cuda-events" (on the device's stream) or
  // "steady-clock" (CPU, the wall time of each pass).
  std::string timing;
};

// Forward latency in eval mode without gradients, the way the field measures
// it: `warmup` untimed passes, then `repeats` timed ones, each timed alone.
// On a CUDA device with CUDA events recorded on the current stream around
// each pass (the device's time, without launch jitter on the host); on the
// CPU with the steady clock.
LatencyMeasurement MeasureLatency(NetworkImpl& network,
                                  const LatencyOptions& options);

// The nearest-rank percentile `q` in (0, 1] of `values` (not empty): the
// smallest value with at least q of them at or below it.
double Percentile(std::vector<double> values, double q);

// Bytes of the network's TorchScript archive.
int64_t ModelBytes(NetworkImpl& network, const InputNormalization& input = {});

// "cpu (2 threads)" or "cuda:0 (NVIDIA H100 80GB HBM3)".
std::string DeviceName(const torch::Device& device);

// The device the network's parameters live on.
torch::Device DeviceOf(const NetworkImpl& network);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MEASURE_MEASURE_H_
