#ifndef NASPRUNE_WORKER_SYNTHETIC_SYNTHETIC_EVALUATOR_H_
#define NASPRUNE_WORKER_SYNTHETIC_SYNTHETIC_EVALUATOR_H_

// The synthetic evaluator: a documented, deterministic function of the
// genome instead of training, for scale and fault tests of the service
// (`nasprune-worker serve --evaluator=synthetic`). Every result it returns
// says so: `synthetic` is true and the evaluator version is "synthetic-1".
// It is never the default.
//
// For a genome g at fidelity e epochs (0: the recipe's) of E = the recipe's:
//   params, MACs      the analytic figures of the pruned genome (exact);
//   parent params/MACs those of the unpruned architecture;
//   capacity          1 − exp(−params / 20,000)
//   jitter            u(g) · 0.02, u(g) uniform in [−1, 1] from g's hash
//   accuracy(e)       clamp(0.55 + 0.40 · capacity + jitter, 0, 1)
//                     · (1 − 0.3 · exp(−e / 2))
//   val accuracy      accuracy(e), and epoch k of e reports accuracy(k)
//   latency batch 1   0.05 ms + MACs / 5·10^9 s, i.e. 5 GMAC/s
//   model bytes       4 · params + 4,096
// A training subset of n examples out of N scales the capacity term by
// min(1, n / 10,000)^0.25 when n > 0.
//
// The evaluation sleeps `delay` in total, spread over its epochs, reporting
// each epoch's progress; once cancelled it stops after `stop_delay` (0: at
// once), as a real evaluation finishes its training step.

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"
#include "worker/evaluator/evaluator.h"

namespace nasprune::worker {

inline constexpr char kSyntheticEvaluatorVersion[] = "synthetic-1";

struct SyntheticOptions {
  // Total wall time of one evaluation.
  std::chrono::milliseconds delay{0};
  // Fail every evaluation with INTERNAL (a worker that cannot evaluate, for
  // fault tests).
  bool fail_all = false;
  // How long a cancelled evaluation takes to end (the rest of a training
  // step, for tests of what a controller sees meanwhile).
  std::chrono::milliseconds stop_delay{0};
};

// Waits until `deadline` unless the evaluation is cancelled first; whether
// it is cancelled. A worker passes its Canceller's WaitUntil.
using WaitFn =
    std::function<bool(std::chrono::steady_clock::time_point deadline)>;

// INVALID_ARGUMENT for an invalid genome or input; CANCELLED when `wait`
// says so (null: never cancelled); INTERNAL when fail_all.
absl::StatusOr<v1::EvaluationResult> EvaluateSynthetic(
    const v1::EvaluateRequest& request, const SyntheticOptions& options,
    const std::function<void(const v1::TrialProgress&)>& progress,
    const WaitFn& wait);

// The daemon's synthetic evaluator: EvaluateSynthetic waiting on the
// Canceller. Thread-safe.
class SyntheticEvaluator final : public Evaluator {
 public:
  explicit SyntheticEvaluator(SyntheticOptions options) : options_(options) {}

  Info info() const override {
    return {.version = kSyntheticEvaluatorVersion,
            .device = "synthetic",
            .synthetic = true};
  }
  absl::StatusOr<v1::EvaluationResult> Evaluate(
      const v1::EvaluateRequest& request, const ProgressCallback& progress,
      Canceller& canceller) override;

 private:
  const SyntheticOptions options_;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SYNTHETIC_SYNTHETIC_EVALUATOR_H_
