#ifndef NASPRUNE_WORKER_PRUNE_PRUNER_H_
#define NASPRUNE_WORKER_PRUNE_PRUNER_H_

// The pruning half of an evaluation (docs/pruning.md): from a trained
// parent, `steps` rounds of rank → remove → re-estimate batch-norm
// statistics → fine-tune reach the plan's kept
// channels along AGP's cubic schedule (Zhu & Gupta 2017), fine-tuning
// optionally distilled from the parent; then optional low-rank factorization
// of the head (before the last fine-tune, so that it recovers both).
//
// Thread model: runs on the calling thread; the cancellation token may be
// set from any thread.

#include <functional>
#include <vector>

#include "common/genome/plan.h"
#include "worker/data/dataset.h"
#include "worker/model/network.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {

struct PruneRequest {
  // The final plan: groups[].kept and the head's ratio-based ranks.
  genome::NetworkPlan target;
  genome::PruningPlan pruning;
  // Fine-tuning recipe (learning rate already scaled); epochs and the time
  // budget are set per step.
  TrainOptions finetune;
  // Training batches that re-estimate batch-norm statistics after each
  // removal (adaptive BN); 0 skips it.
  int recalibration_batches = 50;
  // Wall seconds left for all pruning and fine-tuning; 0 = no limit.
  double max_seconds = 0;
  uint64_t seed = 0;
};

struct PruneCallbacks {
  std::function<void(int step, int steps)> on_prune;      // Before a removal.
  std::function<void(int step, int epochs)> on_finetune;  // Before fine-tune.
  // After each fine-tuning epoch, numbered 1.. across the steps.
  std::function<void(const EpochStats&)> on_epoch;
};

struct PruneOutcome {
  Network model{nullptr};
  // Validation accuracy right after the last removal (and factorization),
  // before its fine-tuning.
  double pruned_val_accuracy = 0;
  std::vector<EpochStats> finetune_epochs;
  double prune_seconds = 0;
  double finetune_seconds = 0;
  bool cancelled = false;
  bool timed_out = false;
};

// Prunes `parent` (which is not modified; it is the distillation teacher).
PruneOutcome PruneAndFinetune(NetworkImpl& parent, const Datasets& data,
                              const PruneRequest& request,
                              const PruneCallbacks& callbacks,
                              const CancellationToken* cancel);

// Channels each group keeps after `step` (1-based) of `steps`:
// kept_t = round(C · (r + (1 − r)(1 − t/steps)³)) with r = final kept / C,
// never below the final count; step == steps gives the final counts.
std::vector<int> KeptAtStep(const genome::NetworkPlan& target, int step,
                            int steps);

// Fine-tuning epochs of `step` (1-based) when `total` are spread over
// `steps`: the later steps get the remainder.
int FinetuneEpochsAtStep(int total, int step, int steps);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_PRUNE_PRUNER_H_
