#ifndef NASPRUNE_WORKER_EVALUATOR_EVALUATOR_H_
#define NASPRUNE_WORKER_EVALUATOR_EVALUATOR_H_

// What a worker runs an evaluation with. Two implementations: the LibTorch
// pipeline (libtorch_evaluator.h: train, prune, fine-tune, measure,
// export) and the synthetic evaluator (synthetic/synthetic_evaluator.h: a
// documented function of the genome, for scale and fault tests). The
// daemon's service (service/worker_service.h) sees only this interface, and
// both implementations pass one contract suite
// (tests/worker/evaluator/evaluator_contract_test.cc):
//
// - Progress is reported in order on the calling thread: phases, then each
//   training epoch with its validation accuracy.
// - Cancellation is honoured: cancelled before it starts or while it runs,
//   an evaluation returns CANCELLED within one step of its work.
// - Status codes: INVALID_ARGUMENT for a bad genome or request,
//   RESOURCE_EXHAUSTED when the device has no memory for this genome,
//   DEADLINE_EXCEEDED when the recipe's time limit ran out (all three
//   deterministic: IsDeterministicFailure, common/status); CANCELLED;
//   FAILED_PRECONDITION when the worker lacks the data; INTERNAL for
//   anything else. No exception leaves Evaluate.
// - A result carries the request's cache key and fidelity, the evaluator's
//   version, and says whether it is synthetic; an exported model is
//   published in the artifact directory (common/artifacts) under the
//   result's artifact_sha256.
//
// Thread-safe: the daemon runs one evaluation per slot at once.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"
#include "worker/evaluator/canceller.h"

namespace nasprune::worker {

using ProgressCallback = std::function<void(const v1::TrialProgress&)>;

class Evaluator {
 public:
  // What the worker reports of itself when it registers.
  struct Info {
    // Part of every cache key: results of different versions never mix.
    std::string version;
    // "cpu (2 threads)", "cuda:0", "synthetic".
    std::string device;
    bool synthetic = false;
  };

  virtual ~Evaluator() = default;

  virtual Info info() const = 0;

  // Whether one more evaluation may start now, asked before a slot is
  // taken: RESOURCE_EXHAUSTED (the caller sends it elsewhere, no attempt
  // spent) when the device lacks the memory for it. Every slot free is not
  // enough on a GPU that other processes share.
  virtual absl::Status Admit() { return absl::OkStatus(); }

  // Runs `request`, reporting `progress` (may be null) and stopping when
  // `canceller` is cancelled. See the contract above.
  virtual absl::StatusOr<v1::EvaluationResult> Evaluate(
      const v1::EvaluateRequest& request, const ProgressCallback& progress,
      Canceller& canceller) = 0;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EVALUATOR_EVALUATOR_H_
