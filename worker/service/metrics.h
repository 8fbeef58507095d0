#ifndef NASPRUNE_WORKER_SERVICE_METRICS_H_
#define NASPRUNE_WORKER_SERVICE_METRICS_H_

// The worker daemon's metrics (docs/worker.md), each named once here. main.cc
// makes one registry and one WorkerMetrics and passes it to the service;
// serving the registry over HTTP is the exposition's business.

#include "common/metrics/metrics.h"

namespace nasprune::worker {

struct WorkerMetrics {
  explicit WorkerMetrics(metrics::Registry& registry);

  // Evaluations that ended, by outcome (succeeded, failed, cancelled).
  metrics::Family<metrics::Counter>& evaluations;
  // Their wall time, from the request to the last event.
  metrics::Histogram& evaluation_duration_seconds;
  // Seconds each phase (setup, train, prune, finetune, measure, export) of
  // a successful evaluation took, by phase.
  metrics::Family<metrics::Histogram>& phase_seconds;
  // Seconds of one training or fine-tuning epoch, by phase (train,
  // finetune), as each epoch ends.
  metrics::Family<metrics::Histogram>& epoch_seconds;
  // Training throughput of the last successful evaluation.
  metrics::Gauge& train_samples_per_second;
  metrics::Gauge& train_gflops_per_second;
  // Evaluation slots by state (busy, free).
  metrics::Family<metrics::Gauge>& slots;
  // Evaluate calls refused because every slot was busy or the device had
  // too little memory free.
  metrics::Counter& rejected;
  // Resident memory of the process, sampled at each scrape (main.cc).
  metrics::Gauge& resident_memory_bytes;
  // A CUDA worker's device memory by kind (free, total: the device's;
  // allocated, reserved: LibTorch's CUDA allocator in this process),
  // sampled at each scrape; no series on a CPU worker.
  metrics::Family<metrics::Gauge>& device_memory_bytes;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_METRICS_H_
