#ifndef NASPRUNE_WORKER_ENGINE_ENGINE_H_
#define NASPRUNE_WORKER_ENGINE_ENGINE_H_

// One evaluation of a network plan, end to end: load data, build, train,
// measure, export. Plain C++ over LibTorch (no protobuf, no abseil), so it
// builds alone on GPU machines (NASPRUNE_ENGINE_ONLY); worker/evaluator wraps
// it with protos and statuses for the daemon and the CLI.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/genome/plan.h"
#include "worker/data/dataset.h"
#include "worker/measure/measure.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {

struct EngineRequest {
  genome::NetworkPlan plan;
  DataOptions data;  // data.device is where everything runs.
  TrainOptions train;
  // LibTorch intra-op threads; 0 means every hardware thread.
  int threads = 0;
  // Seeds initialization (data order comes from train.seed).
  uint64_t seed = 0;
  bool evaluate_test = false;
  // Write the TorchScript archive here when not empty.
  std::string export_path;
  LatencyOptions latency;
};

enum class EnginePhase { kSetup, kTrain, kMeasure, kExport };

struct EngineResult {
  std::vector<EpochStats> epochs;
  double val_loss = 0;
  double val_accuracy = 0;
  std::optional<double> test_accuracy;
  CostMeasurement cost;
  int64_t model_bytes = 0;
  LatencyMeasurement latency;
  double setup_seconds = 0;
  double train_seconds = 0;
  double measure_seconds = 0;
  double export_seconds = 0;
  double total_seconds = 0;
  double train_samples_per_second = 0;
  bool cancelled = false;
  bool timed_out = false;
  int threads = 0;
  std::string export_path;  // Set when an archive was written.
};

struct EngineCallbacks {
  std::function<void(EnginePhase)> on_phase;
  std::function<void(const EpochStats&)> on_epoch;
};

// Runs the evaluation. Raises DataError for data problems and c10::Error (or
// another std::exception) for LibTorch failures such as running out of
// memory; the caller turns them into a failed result. A cancelled or
// timed-out run returns what it measured so far, flagged.
EngineResult RunEngine(const EngineRequest& request,
                       const EngineCallbacks& callbacks,
                       const CancellationToken* cancel);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_ENGINE_ENGINE_H_
