#ifndef NASPRUNE_WORKER_ENGINE_ENGINE_H_
#define NASPRUNE_WORKER_ENGINE_ENGINE_H_

// One evaluation of a genome's plan, end to end (docs/worker.md): load data,
// build and train the unpruned parent (or take it from the parent store),
// prune and fine-tune it as the pruning plan says, measure, export. Plain C++
// over LibTorch (no protobuf, no abseil), so it builds alone on GPU machines
// (NASPRUNE_ENGINE_ONLY); worker/evaluator wraps it with protos and statuses
// for the daemon and the CLI.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/genome/plan.h"
#include "worker/data/dataset.h"
#include "worker/measure/measure.h"
#include "worker/prune/parent_store.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {

struct EngineRequest {
  // The final network: groups[].kept says what pruning keeps; the parent is
  // genome::UnprunedPlan(plan).
  genome::NetworkPlan plan;
  genome::PruningPlan pruning;
  DataOptions data;  // data.device is where everything runs.
  TrainOptions train;
  // Fine-tuning learning rate = train.learning_rate × this.
  double finetune_lr_scale = 0.1;
  // Each fine-tuning epoch covers this fraction of the training batches, in
  // (0, 1]: a low fidelity scales fine-tuning as it scales training.
  double finetune_fraction = 1;
  // LibTorch intra-op threads; 0 means every hardware thread.
  int threads = 0;
  // Seeds initialization (data order comes from train.seed).
  uint64_t seed = 0;
  bool evaluate_test = false;
  // Write the TorchScript archive here when not empty.
  std::string export_path;
  LatencyOptions latency;
  // Trained parents are looked up and stored here under `parent_key` (which
  // must identify the architecture, recipe, data, fidelity, seed and
  // device) when both are set. Not owned.
  ParentStore* parents = nullptr;
  std::string parent_key;
  // Training in segments (a promotion continuing from its lower rungs): the
  // parent is trained to resume[0].epochs, then to each later boundary, then
  // to train.epochs, every segment with a schedule of its own (warm-up only
  // in the first). resume[i].key names the parent at boundary i in
  // `parents`: training starts from the latest one stored, and stores each
  // one it reaches. Ascending epochs, each below train.epochs.
  struct Boundary {
    int epochs = 0;
    std::string key;
  };
  std::vector<Boundary> resume;
  // Weight inheritance: the bytes of a related network's kept TorchScript
  // archive and that network's plan. The parent starts from it
  // (worker/model/inherit.h) instead of its random initialization; a parent
  // or boundary taken from the store was trained from it already (the
  // caller's keys say so). Empty: a random initialization.
  std::string inherit_archive;
  genome::NetworkPlan inherit_plan;
};

enum class EnginePhase { kSetup, kTrain, kPrune, kFinetune, kMeasure, kExport };

struct EngineResult {
  // The parent's training curve (stored curve when reused).
  std::vector<EpochStats> epochs;
  std::vector<EpochStats> finetune_epochs;
  double val_loss = 0;
  double val_accuracy = 0;
  std::optional<double> test_accuracy;
  CostMeasurement cost;
  int64_t model_bytes = 0;
  LatencyMeasurement latency;
  // Parent figures (equal to the final ones when nothing is pruned).
  double parent_val_accuracy = 0;
  CostMeasurement parent_cost;
  double parent_latency_batch1_ms = 0;
  bool parent_reused = false;
  // Training epochs taken from a stored boundary (EngineRequest::resume).
  int resumed_epochs = 0;
  // Fraction of the parent's parameters that started from
  // EngineRequest::inherit_archive (0 without one).
  double inherited_fraction = 0;
  bool pruned = false;  // Channels removed or layers factorized.
  // Validation accuracy right after the last removal, before fine-tuning.
  std::optional<double> pruned_val_accuracy;
  // The final model's plan (ranks chosen by energy included).
  genome::NetworkPlan final_plan;
  // Int8 dynamic quantization of the head (when requested).
  double int8_batch1_ms = 0;
  std::optional<double> int8_val_accuracy;
  std::string quantization_note;  // Why int8 is missing, when requested.
  double setup_seconds = 0;
  double train_seconds = 0;
  double prune_seconds = 0;
  double finetune_seconds = 0;
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
  // After each epoch of training (kTrain) or fine-tuning (kFinetune).
  std::function<void(EnginePhase, const EpochStats&)> on_epoch;
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
