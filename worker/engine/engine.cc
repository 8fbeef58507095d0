#include "worker/engine/engine.h"

#include <chrono>
#include <thread>

#include "worker/data/data_error.h"
#include "worker/export/torchscript.h"
#include "worker/model/inherit.h"
#include "worker/model/int8_linear.h"
#include "worker/model/network.h"
#include "worker/prune/pruner.h"

namespace nasprune::worker {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void CheckShape(const Datasets& data, const genome::InputSpec& input,
                const std::string& directory) {
  if (data.channels != input.channels || data.height != input.height ||
      data.width != input.width || data.num_classes != input.num_classes) {
    throw DataError(
        directory + ": the data is " + std::to_string(data.channels) + "x" +
        std::to_string(data.height) + "x" + std::to_string(data.width) +
        " with " + std::to_string(data.num_classes) +
        " classes, but the network expects " + std::to_string(input.channels) +
        "x" + std::to_string(input.height) + "x" + std::to_string(input.width) +
        " with " + std::to_string(input.num_classes));
  }
}

bool Prunes(const EngineRequest& request) {
  return genome::PlanPrunes(request.plan) ||
         request.plan.head.hidden.rank > 0 ||
         request.plan.head.classifier.rank > 0 ||
         request.pruning.low_rank_energy > 0;
}

bool Stopped(const CancellationToken* cancel) {
  return cancel != nullptr && cancel->cancelled();
}

// The seed of torch's generator (dropout) from a stage of the evaluation
// on, so that a stage draws the same whether the ones before it ran here or
// came from the parent store: training from epoch `first_epoch` on, or (with
// kFinetuneStage) pruning and fine-tuning.
constexpr int kFinetuneStage = -1;
uint64_t StageSeed(uint64_t seed, int stage) {
  return seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(stage + 2);
}

std::shared_ptr<const TrainedParent> Find(ParentStore* parents,
                                          const std::string& key) {
  if (parents == nullptr || key.empty()) return nullptr;
  return parents->Find(key);
}

// Trains `parent` segment by segment from the latest stored boundary (or
// from scratch), storing the parent at every boundary it reaches. False
// when cancelled or out of time (flagged in `result`).
bool TrainParent(const EngineRequest& request, const Datasets& data,
                 NetworkImpl& parent, const EngineCallbacks& callbacks,
                 const CancellationToken* cancel, EngineResult* result) {
  std::vector<EngineRequest::Boundary> ends = request.resume;
  ends.push_back({request.train.epochs, request.parent_key});
  size_t first = 0;
  double earlier_seconds = 0;
  for (size_t i = request.resume.size(); i-- > 0;) {
    auto kept = Find(request.parents, request.resume[i].key);
    if (kept == nullptr) continue;
    RestoreState(kept->state, parent);
    result->epochs = kept->epochs;
    result->resumed_epochs = request.resume[i].epochs;
    earlier_seconds = kept->train_seconds;
    first = i + 1;
    break;
  }
  if (callbacks.on_phase) callbacks.on_phase(EnginePhase::kTrain);
  // The epochs taken over are reported as if trained now, so a listener
  // (the median stopping rule) sees the whole curve wherever it ran.
  for (const EpochStats& e : result->epochs) {
    if (callbacks.on_epoch) callbacks.on_epoch(EnginePhase::kTrain, e);
  }
  const auto train_start = Clock::now();
  int64_t samples = 0;
  double step_seconds = 0;
  for (size_t s = first; s < ends.size(); ++s) {
    TrainOptions options = request.train;
    options.first_epoch = s == 0 ? 0 : ends[s - 1].epochs;
    options.epochs = ends[s].epochs - options.first_epoch;
    if (s > 0) options.warmup_epochs = 0;
    if (request.train.max_seconds > 0) {
      options.max_seconds =
          std::max(1e-3, request.train.max_seconds - Since(train_start));
    }
    torch::manual_seed(StageSeed(request.seed, options.first_epoch));
    const TrainResult trained = Train(
        parent, data, options,
        [&](const EpochStats& e) {
          if (callbacks.on_epoch) callbacks.on_epoch(EnginePhase::kTrain, e);
        },
        cancel);
    result->epochs.insert(result->epochs.end(), trained.epochs.begin(),
                          trained.epochs.end());
    for (const EpochStats& e : trained.epochs) {
      samples += e.samples;
      step_seconds += e.seconds;
    }
    result->train_seconds = Since(train_start);
    result->train_samples_per_second = samples / std::max(step_seconds, 1e-9);
    result->cancelled = trained.cancelled;
    result->timed_out = trained.timed_out;
    if (result->cancelled || result->timed_out) return false;
    const EpochStats& last = result->epochs.back();
    result->parent_val_accuracy = last.val_accuracy;
    if (request.parents != nullptr && !ends[s].key.empty()) {
      auto keep = std::make_shared<TrainedParent>();
      keep->state = CaptureState(parent);
      keep->epochs = result->epochs;
      keep->val_loss = last.val_loss;
      keep->val_accuracy = last.val_accuracy;
      keep->train_seconds = earlier_seconds + result->train_seconds;
      keep->train_samples_per_second = result->train_samples_per_second;
      request.parents->Put(ends[s].key, std::move(keep));
    }
  }
  return true;
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
  auto finish = [&]() -> EngineResult& {
    result.total_seconds = Since(start);
    return result;
  };

  phase(EnginePhase::kSetup);
  result.threads = request.threads > 0
                       ? request.threads
                       : static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(std::max(1, result.threads));
  DataOptions data_options = request.data;
  data_options.load_test = request.evaluate_test;
  const Datasets data = LoadDatasets(data_options);
  CheckShape(data, request.plan.input, request.data.directory);
  torch::manual_seed(request.seed);
  Network parent(genome::UnprunedPlan(request.plan));
  parent->to(request.data.device);
  if (!request.inherit_archive.empty()) {
    result.inherited_fraction =
        InheritWeights(request.inherit_archive, request.inherit_plan, *parent)
            .fraction();
  }
  result.setup_seconds = Since(start);

  // The parent: from the store, or trained now (continuing from the latest
  // stored boundary of a segmented run).
  std::shared_ptr<const TrainedParent> stored =
      Find(request.parents, request.parent_key);
  if (stored != nullptr) {
    RestoreState(stored->state, *parent);
    result.parent_reused = true;
    result.epochs = stored->epochs;
    result.parent_val_accuracy = stored->val_accuracy;
  } else {
    if (!TrainParent(request, data, *parent, callbacks, cancel, &result)) {
      return finish();
    }
  }

  Network model = parent;
  result.pruned = Prunes(request);
  if (result.pruned) {
    result.parent_cost = MeasureCost(*parent);
    LatencyOptions batch1 = request.latency;
    batch1.batch_size = 0;
    result.parent_latency_batch1_ms = MeasureLatency(*parent, batch1).batch1_ms;

    PruneRequest prune;
    prune.target = request.plan;
    prune.pruning = request.pruning;
    prune.finetune = request.train;
    prune.finetune.learning_rate *= request.finetune_lr_scale;
    prune.finetune.warmup_epochs = 0;
    prune.finetune.epoch_fraction = request.finetune_fraction;
    if (request.train.max_seconds > 0) {
      prune.max_seconds =
          std::max(1e-3, request.train.max_seconds - Since(start));
    }
    prune.seed = request.seed;
    PruneCallbacks prune_callbacks;
    prune_callbacks.on_prune = [&](int, int) { phase(EnginePhase::kPrune); };
    prune_callbacks.on_finetune = [&](int, int) {
      phase(EnginePhase::kFinetune);
    };
    prune_callbacks.on_epoch = [&](const EpochStats& e) {
      if (callbacks.on_epoch) callbacks.on_epoch(EnginePhase::kFinetune, e);
    };
    torch::manual_seed(StageSeed(request.seed, kFinetuneStage));
    PruneOutcome pruned =
        PruneAndFinetune(*parent, data, prune, prune_callbacks, cancel);
    result.prune_seconds = pruned.prune_seconds;
    result.finetune_seconds = pruned.finetune_seconds;
    result.finetune_epochs = pruned.finetune_epochs;
    result.pruned_val_accuracy = pruned.pruned_val_accuracy;
    result.cancelled = pruned.cancelled;
    result.timed_out = pruned.timed_out;
    if (result.cancelled || result.timed_out) return finish();
    model = pruned.model;
  }
  if (Stopped(cancel)) {
    result.cancelled = true;
    return finish();
  }
  result.final_plan = model->plan();

  phase(EnginePhase::kMeasure);
  const auto measure_start = Clock::now();
  // The last epoch of training (unpruned) or fine-tuning (pruned; the last
  // step always fine-tunes when any epochs are planned) already scored the
  // final model on the validation split.
  const std::vector<EpochStats>& last_phase =
      result.pruned ? result.finetune_epochs : result.epochs;
  if (!last_phase.empty()) {
    result.val_loss = last_phase.back().val_loss;
    result.val_accuracy = last_phase.back().val_accuracy;
  } else {
    const Score val =
        Evaluate(*model, data.validation, request.train.eval_batch_size);
    result.val_loss = val.loss;
    result.val_accuracy = val.accuracy;
  }
  if (request.evaluate_test) {
    result.test_accuracy =
        Evaluate(*model, data.test, request.train.eval_batch_size).accuracy;
  }
  result.cost = MeasureCost(*model);
  result.latency = MeasureLatency(*model, request.latency);
  if (!result.pruned) {
    result.parent_cost = result.cost;
    result.parent_latency_batch1_ms = result.latency.batch1_ms;
  }
  if (request.pruning.quantize_int8) {
    if (QuantizeLinearsInt8(*model, &result.quantization_note)) {
      LatencyOptions batch1 = request.latency;
      batch1.batch_size = 0;
      result.int8_batch1_ms = MeasureLatency(*model, batch1).batch1_ms;
      result.int8_val_accuracy =
          Evaluate(*model, data.validation, request.train.eval_batch_size)
              .accuracy;
      ClearInt8(*model);
    }
  }
  // With an export, the archive written below gives the size; serialize
  // in memory only when nothing is written.
  const InputNormalization input{.mean = data.mean, .std = data.std};
  if (request.export_path.empty()) {
    result.model_bytes = ModelBytes(*model, input);
  }
  result.measure_seconds = Since(measure_start);

  if (!request.export_path.empty()) {
    phase(EnginePhase::kExport);
    const auto export_start = Clock::now();
    result.model_bytes = SaveTorchScript(*model, request.export_path, input);
    result.export_path = request.export_path;
    result.export_seconds = Since(export_start);
  }
  return finish();
}

}  // namespace nasprune::worker
