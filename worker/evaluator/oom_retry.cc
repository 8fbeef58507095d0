#include "worker/evaluator/oom_retry.h"

#include <algorithm>
#include <exception>

#include "absl/status/status.h"
#include "worker/evaluator/libtorch_evaluator.h"

namespace nasprune::worker {

EngineResult RunHalvingBatchOnOom(
    EngineRequest request, int min_batch_size,
    const std::function<EngineResult(const EngineRequest&)>& run,
    const std::function<void()>& release, OomRetries* retries) {
  *retries = {.batch_size = static_cast<int>(request.train.batch_size)};
  while (true) {
    try {
      return run(request);
    } catch (const std::exception& e) {
      const int half = static_cast<int>(request.train.batch_size / 2);
      if (StatusFromException(e).code() !=
              absl::StatusCode::kResourceExhausted ||
          half < std::max(1, min_batch_size)) {
        throw;
      }
      if (release) release();
      request.train.batch_size = half;
      request.train.eval_batch_size =
          std::max<int64_t>(1, request.train.eval_batch_size / 2);
      // Parents in the store are trained at the recipe's batch size.
      request.parents = nullptr;
      request.parent_key.clear();
      retries->batch_size = half;
      ++retries->retries;
    }
  }
}

}  // namespace nasprune::worker
