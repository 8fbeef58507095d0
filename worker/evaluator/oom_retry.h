#ifndef NASPRUNE_WORKER_EVALUATOR_OOM_RETRY_H_
#define NASPRUNE_WORKER_EVALUATOR_OOM_RETRY_H_

// An evaluation that runs out of device memory is run again at half the
// batch size, down to a floor; only then is it the genome's fault
// (RESOURCE_EXHAUSTED, deterministic). On a GPU shared by several slots the
// first failure is often another evaluation's doing, and a smaller batch
// fits where the recipe's did not.
//
// A retry trains from scratch, stores no trained parent and takes none from
// the store (those are keyed by the recipe's batch size); the result says
// which batch size it was trained with (EvaluationResult.batch_size,
// oom_retries).

#include <functional>

#include "worker/engine/engine.h"

namespace nasprune::worker {

// The smallest training batch a retry goes down to.
inline constexpr int kMinOomBatchSize = 16;

struct OomRetries {
  int batch_size = 0;  // The batch size of the run that returned.
  int retries = 0;     // Runs that ran out of memory before it.
};

// Runs `run(request)`. When it throws an out-of-memory error (what
// StatusFromException maps to RESOURCE_EXHAUSTED) and half the batch size
// is still at least `min_batch_size`, calls `release` (hands cached memory
// back) and runs it again at half the training and evaluation batch sizes.
// Any other exception, and the out-of-memory error of the last run allowed,
// propagate. `retries` (not null) says what ran.
EngineResult RunHalvingBatchOnOom(
    EngineRequest request, int min_batch_size,
    const std::function<EngineResult(const EngineRequest&)>& run,
    const std::function<void()>& release, OomRetries* retries);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EVALUATOR_OOM_RETRY_H_
