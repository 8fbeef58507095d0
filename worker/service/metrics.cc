#include "worker/service/metrics.h"

namespace nasprune::worker {

WorkerMetrics::WorkerMetrics(metrics::Registry& registry)
    : evaluations(registry.AddCounterFamily(
          "nasprune_worker_evaluations_total",
          "Evaluations that ended, by outcome (succeeded, failed, "
          "cancelled).",
          {"outcome"})),
      evaluation_duration_seconds(registry.AddHistogram(
          "nasprune_worker_evaluation_duration_seconds",
          "Wall time of one evaluation, request to last event.",
          metrics::ExponentialBuckets(0.01, 3, 12))),
      phase_seconds(registry.AddHistogramFamily(
          "nasprune_worker_phase_seconds",
          "Seconds one phase of a successful evaluation took, by phase "
          "(setup, train, prune, finetune, measure, export).",
          {"phase"}, metrics::ExponentialBuckets(0.01, 3, 12))),
      epoch_seconds(registry.AddHistogramFamily(
          "nasprune_worker_epoch_seconds",
          "Seconds of one training or fine-tuning epoch, by phase (train, "
          "finetune).",
          {"phase"}, metrics::ExponentialBuckets(0.1, 2, 14))),
      train_samples_per_second(registry.AddGauge(
          "nasprune_worker_train_samples_per_second",
          "Training throughput of the last successful evaluation.")),
      train_gflops_per_second(registry.AddGauge(
          "nasprune_worker_train_gflops_per_second",
          "Achieved training rate of the last successful evaluation: 6 x "
          "parent MACs x samples per second, GFLOP/s.")),
      slots(registry.AddGaugeFamily("nasprune_worker_slots",
                                    "Evaluation slots, by state (busy, free).",
                                    {"state"})),
      rejected(registry.AddCounter(
          "nasprune_worker_rejected_evaluations_total",
          "Evaluate calls refused because every slot was busy or the device "
          "had too little memory free.")),
      resident_memory_bytes(registry.AddGauge(
          "nasprune_worker_resident_memory_bytes",
          "Resident memory of the worker process, sampled at each scrape.")),
      device_memory_bytes(registry.AddGaugeFamily(
          "nasprune_worker_device_memory_bytes",
          "CUDA device memory by kind: free and total on the device, "
          "allocated and reserved by this worker's LibTorch allocator.",
          {"kind"})) {}

}  // namespace nasprune::worker
