#include "worker/prune/pruner.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "worker/prune/importance.h"
#include "worker/prune/surgery.h"

namespace nasprune::worker {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Ranks of the head layers after factorization (-1: leave as is).
Surgery HeadFactorization(NetworkImpl& network,
                          const genome::PruningPlan& pruning,
                          const genome::NetworkPlan& target) {
  Surgery surgery;
  surgery.keep.resize(network.plan().groups.size());
  const genome::HeadPlan& head = network.plan().head;
  if (pruning.low_rank_energy > 0) {
    auto by_energy = [&](FactorizedLinearImpl& linear) {
      const genome::LinearPlan& p = linear.plan();
      return genome::LowRankRankByEnergy(p.in, p.out, SingularValues(linear),
                                         pruning.low_rank_energy);
    };
    if (network.hidden) surgery.hidden_rank = by_energy(*network.hidden);
    surgery.classifier_rank = by_energy(*network.classifier);
  } else {
    if (head.has_hidden) surgery.hidden_rank = target.head.hidden.rank;
    surgery.classifier_rank = target.head.classifier.rank;
  }
  return surgery;
}

bool Factorizes(const Surgery& s) {
  return s.hidden_rank > 0 || s.classifier_rank > 0;
}

}  // namespace

std::vector<int> KeptAtStep(const genome::NetworkPlan& target, int step,
                            int steps) {
  std::vector<int> kept;
  const double remaining =
      std::pow(1.0 - static_cast<double>(step) / std::max(1, steps), 3);
  for (const genome::GroupPlan& group : target.groups) {
    const double final_ratio =
        static_cast<double>(group.kept) / std::max(1, group.channels);
    const double ratio = final_ratio + (1.0 - final_ratio) * remaining;
    const long count = std::lround(group.channels * ratio);
    kept.push_back(
        static_cast<int>(std::clamp<long>(count, group.kept, group.channels)));
  }
  return kept;
}

int FinetuneEpochsAtStep(int total, int step, int steps) {
  steps = std::max(1, steps);
  return total * step / steps - total * (step - 1) / steps;
}

PruneOutcome PruneAndFinetune(NetworkImpl& parent, const Datasets& data,
                              const PruneRequest& request,
                              const PruneCallbacks& callbacks,
                              const CancellationToken* cancel) {
  PruneOutcome outcome;
  const auto start = Clock::now();
  const genome::PruningPlan& pruning = request.pruning;
  const int steps = std::max(1, pruning.iterative_steps);
  NetworkImpl* current = &parent;
  Network model{nullptr};
  int finetune_epoch = 0;
  for (int step = 1; step <= steps; ++step) {
    if (callbacks.on_prune) callbacks.on_prune(step, steps);
    const auto prune_start = Clock::now();
    const std::vector<int> kept = KeptAtStep(request.target, step, steps);
    Surgery surgery;
    surgery.keep.resize(kept.size());
    bool removes = false;
    for (size_t g = 0; g < kept.size(); ++g) {
      removes = removes || kept[g] < current->plan().groups[g].kept;
    }
    if (removes) {
      ImportanceOptions importance;
      importance.criterion = pruning.criterion;
      importance.seed = request.seed * 31 + step;
      importance.data = &data.train;
      importance.batch_size = request.finetune.batch_size;
      const std::vector<torch::Tensor> scores =
          GroupImportance(*current, importance);
      for (size_t g = 0; g < kept.size(); ++g) {
        if (kept[g] < current->plan().groups[g].kept) {
          surgery.keep[g] = TopChannels(scores[g], kept[g]);
        }
      }
      model = ApplySurgery(*current, surgery);
      current = model.get();
    }
    if (step == steps) {
      const Surgery factorize =
          HeadFactorization(*current, pruning, request.target);
      if (Factorizes(factorize)) {
        model = ApplySurgery(*current, factorize);
        current = model.get();
      }
    }
    if (model.is_empty()) {
      // Nothing to remove at this step: continue from a copy of the parent
      // so the parent itself is never fine-tuned.
      model = ApplySurgery(*current, surgery);
      current = model.get();
    }
    if (removes && request.recalibration_batches > 0) {
      RecalibrateBatchNorm(*model, data.train, request.recalibration_batches,
                           request.finetune.batch_size,
                           request.seed * 7919 + step);
    }
    outcome.prune_seconds += Since(prune_start);
    if (step == steps) {
      outcome.pruned_val_accuracy =
          Evaluate(*model, data.validation, request.finetune.eval_batch_size)
              .accuracy;
    }

    const int epochs =
        FinetuneEpochsAtStep(pruning.finetune_epochs, step, steps);
    if (epochs == 0) continue;
    if (callbacks.on_finetune) callbacks.on_finetune(step, epochs);
    TrainOptions finetune = request.finetune;
    finetune.epochs = epochs;
    finetune.seed = request.seed * 1009 + step;
    if (request.max_seconds > 0) {
      finetune.max_seconds = std::max(1e-3, request.max_seconds - Since(start));
    }
    if (pruning.distill_weight > 0) {
      finetune.teacher = &parent;
      finetune.distill_weight = pruning.distill_weight;
      finetune.distill_temperature = pruning.distill_temperature;
    }
    const TrainResult trained = Train(
        *model, data, finetune,
        [&](const EpochStats& stats) {
          EpochStats numbered = stats;
          numbered.epoch = ++finetune_epoch;
          outcome.finetune_epochs.push_back(numbered);
          if (callbacks.on_epoch) callbacks.on_epoch(numbered);
        },
        cancel);
    outcome.finetune_seconds += trained.seconds;
    outcome.cancelled = trained.cancelled;
    outcome.timed_out = trained.timed_out;
    if (outcome.cancelled || outcome.timed_out) break;
  }
  outcome.model = model;
  return outcome;
}

}  // namespace nasprune::worker
