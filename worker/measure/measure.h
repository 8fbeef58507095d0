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
  int repeats = 50;          // Timed passes; the median is reported.
  int64_t batch_size = 128;  // 0: batch 1 only.
};

struct LatencyMeasurement {
  double batch1_ms = 0;  // Median at batch 1.
  double batch_ms = 0;   // Median at batch_size.
  int64_t batch_size = 0;
  int repeats = 0;
  std::string device;
};

// Median forward latency in eval mode without gradients, synchronizing the
// device around each timed pass.
LatencyMeasurement MeasureLatency(NetworkImpl& network,
                                  const LatencyOptions& options);

// Bytes of the network's TorchScript archive.
int64_t ModelBytes(NetworkImpl& network, const InputNormalization& input = {});

// "cpu (2 threads)" or "cuda:0 (NVIDIA H100 80GB HBM3)".
std::string DeviceName(const torch::Device& device);

// The device the network's parameters live on.
torch::Device DeviceOf(const NetworkImpl& network);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MEASURE_MEASURE_H_
