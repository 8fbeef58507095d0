#include "worker/engine/engine.h"

#include <chrono>
#include <thread>

#include "worker/data/data_error.h"
#include "worker/export/torchscript.h"
#include "worker/model/network.h"

namespace nasprune::worker {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

EngineResult RunEngine(const EngineRequest& request,
                       const EngineCallbacks& callbacks,
                       const CancellationToken* cancel) {
  EngineResult result;
  const auto start = Clock::now();
  auto phase = [&](EnginePhase p) {
    if (callbacks.on_phase) callbacks.on_phase(p);
  };

  phase(EnginePhase::kSetup);
  result.threads = request.threads > 0
                       ? request.threads
                       : static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(std::max(1, result.threads));
  DataOptions data_options = request.data;
  data_options.load_test = request.evaluate_test;
  const Datasets data = LoadDatasets(data_options);
  const auto& input = request.plan.input;
  if (data.channels != input.channels || data.height != input.height ||
      data.width != input.width || data.num_classes != input.num_classes) {
    throw DataError(
        request.data.directory + ": the data is " +
        std::to_string(data.channels) + "x" + std::to_string(data.height) +
        "x" + std::to_string(data.width) + " with " +
        std::to_string(data.num_classes) +
        " classes, but the network expects " + std::to_string(input.channels) +
        "x" + std::to_string(input.height) + "x" + std::to_string(input.width) +
        " with " + std::to_string(input.num_classes));
  }
  torch::manual_seed(request.seed);
  Network network(request.plan);
  network->to(request.data.device);
  result.setup_seconds = Since(start);

  phase(EnginePhase::kTrain);
  const auto train_start = Clock::now();
  const TrainResult trained =
      Train(*network, data, request.train, callbacks.on_epoch, cancel);
  result.train_seconds = Since(train_start);
  result.epochs = trained.epochs;
  result.cancelled = trained.cancelled;
  result.timed_out = trained.timed_out;
  result.train_samples_per_second = trained.samples_per_second;
  if (result.cancelled) {
    result.total_seconds = Since(start);
    return result;
  }

  phase(EnginePhase::kMeasure);
  const auto measure_start = Clock::now();
  const Score val =
      Evaluate(*network, data.validation, request.train.eval_batch_size);
  result.val_loss = val.loss;
  result.val_accuracy = val.accuracy;
  if (request.evaluate_test) {
    result.test_accuracy =
        Evaluate(*network, data.test, request.train.eval_batch_size).accuracy;
  }
  result.cost = MeasureCost(*network);
  result.latency = MeasureLatency(*network, request.latency);
  // With an export, the archive written below gives the size; serialize
  // in memory only when nothing is written.
  if (request.export_path.empty()) result.model_bytes = ModelBytes(*network);
  result.measure_seconds = Since(measure_start);

  if (!request.export_path.empty()) {
    phase(EnginePhase::kExport);
    const auto export_start = Clock::now();
    result.model_bytes = SaveTorchScript(*network, request.export_path);
    result.export_path = request.export_path;
    result.export_seconds = Since(export_start);
  }
  result.total_seconds = Since(start);
  return result;
}

}  // namespace nasprune::worker
