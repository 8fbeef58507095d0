#include "worker/synthetic/synthetic_evaluator.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "common/genome/cost.h"
#include "common/genome/hash.h"
#include "common/genome/validate.h"
#include "common/jobspec/job_spec.h"
#include "common/random/rng.h"

namespace nasprune::worker {
namespace {

// Sleeps until `end`; false when cancelled first.
bool SleepUnlessCancelled(std::chrono::steady_clock::time_point end,
                          const WaitFn& wait) {
  if (wait) return !wait(end);
  std::this_thread::sleep_until(end);
  return true;
}

}  // namespace

absl::StatusOr<v1::EvaluationResult> EvaluateSynthetic(
    const v1::EvaluateRequest& request, const SyntheticOptions& options,
    const std::function<void(const v1::TrialProgress&)>& progress,
    const WaitFn& wait) {
  if (!request.score_model_sha256().empty()) {
    // Another worker kept that model; this one could only pretend to.
    return absl::FailedPreconditionError(
        "score_model_sha256: the synthetic evaluator keeps no models and "
        "scores none");
  }
  if (absl::Status status = genome::ValidateGenome(request.genome());
      !status.ok()) {
    return status;
  }
  const genome::InputSpec input = jobspec::InputSpecOf(request.dataset());
  absl::StatusOr<genome::ModelCost> cost =
      genome::ComputeGenomeCost(request.genome(), input);
  if (!cost.ok()) return cost.status();
  v1::Genome unpruned;
  *unpruned.mutable_arch() = request.genome().arch();
  absl::StatusOr<genome::ModelCost> parent_cost =
      genome::ComputeGenomeCost(unpruned, input);
  if (!parent_cost.ok()) return parent_cost.status();

  const std::string hash = genome::GenomeHash(request.genome());
  Rng rng(std::stoull(hash.substr(0, 16), nullptr, 16));
  const double jitter = (2 * rng.UniformDouble() - 1) * 0.02;
  double capacity = 1 - std::exp(-static_cast<double>(cost->params) / 20000);
  const int64_t subset = request.fidelity().train_subset() > 0
                             ? request.fidelity().train_subset()
                             : request.dataset().train_subset();
  if (subset > 0) {
    capacity *= std::pow(std::min(1.0, subset / 10000.0), 0.25);
  }
  const double ceiling = std::clamp(0.55 + 0.40 * capacity + jitter, 0.0, 1.0);
  auto accuracy = [ceiling](int epochs) {
    return ceiling * (1 - 0.3 * std::exp(-epochs / 2.0));
  };
  const int epochs = request.fidelity().epochs() > 0
                         ? request.fidelity().epochs()
                         : std::max(1, request.recipe().epochs());

  v1::EvaluationResult result;
  const auto start = std::chrono::steady_clock::now();
  const auto per_epoch =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options.delay) /
      epochs;
  auto cancelled = [&options] {
    std::this_thread::sleep_for(options.stop_delay);
    return absl::CancelledError("evaluation cancelled");
  };
  for (int e = 1; e <= epochs; ++e) {
    // Each epoch ends on schedule, however late the last one woke.
    if (!SleepUnlessCancelled(start + e * per_epoch, wait)) return cancelled();
    v1::EpochMetrics* m = result.add_epochs();
    m->set_phase(v1::PHASE_TRAIN);
    m->set_epoch(e);
    m->set_val_accuracy(accuracy(e));
    m->set_train_accuracy(accuracy(e));
    if (progress) {
      v1::TrialProgress p;
      p.set_trial_id(request.trial_id());
      p.set_phase(v1::PHASE_TRAIN);
      p.set_total_epochs(epochs);
      *p.mutable_epoch() = *m;
      progress(p);
    }
  }
  if (wait && wait(std::chrono::steady_clock::now())) return cancelled();
  if (options.fail_all) {
    return absl::InternalError(
        "synthetic evaluator: this worker fails every evaluation "
        "(--synthetic-fail-all)");
  }
  result.set_genome_hash(hash);
  result.set_cache_key(request.cache_key());
  result.set_evaluator_version(kSyntheticEvaluatorVersion);
  result.set_synthetic(true);
  result.set_val_accuracy(accuracy(epochs));
  result.set_parent_val_accuracy(accuracy(epochs));
  result.set_params(cost->params);
  result.set_macs(cost->macs);
  result.set_parent_params(parent_cost->params);
  result.set_parent_macs(parent_cost->macs);
  result.set_model_bytes(4 * cost->params + 4096);
  result.mutable_latency()->set_batch1_ms(
      0.05 + static_cast<double>(cost->macs) / 5e9 * 1000);
  result.mutable_latency()->set_device("synthetic");
  result.set_parent_latency_batch1_ms(
      0.05 + static_cast<double>(parent_cost->macs) / 5e9 * 1000);
  result.set_pruned(cost->params != parent_cost->params);
  *result.mutable_fidelity() = request.fidelity();
  result.set_total_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return result;
}

absl::StatusOr<v1::EvaluationResult> SyntheticEvaluator::Evaluate(
    const v1::EvaluateRequest& request, const ProgressCallback& progress,
    Canceller& canceller) {
  return EvaluateSynthetic(
      request, options_, progress,
      [&canceller](std::chrono::steady_clock::time_point deadline) {
        return canceller.WaitUntil(deadline);
      });
}

}  // namespace nasprune::worker
