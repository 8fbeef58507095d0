#ifndef NASPRUNE_CONTROLLER_SCHEDULER_EVALUATION_CLIENT_H_
#define NASPRUNE_CONTROLLER_SCHEDULER_EVALUATION_CLIENT_H_

// How the controller runs an evaluation on a worker, without naming the
// transport: the job manager starts evaluations through this interface; the
// gRPC implementation (controller/service/grpc_evaluation_client.h) calls
// Worker.Evaluate, and unit tests use a hand-written fake.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::controller {

// A started evaluation. Thread-safe; safe to use after it has ended.
class Evaluation {
 public:
  virtual ~Evaluation() = default;
  // Stops it: the worker sees its caller go away and stops training within
  // a step; `on_done` then receives CANCELLED (or a final event that was
  // already on its way).
  virtual void Cancel() = 0;
};

class EvaluationClient {
 public:
  struct Callbacks {
    // Each progress event, in order.
    std::function<void(const v1::TrialProgress&)> on_progress;
    // Exactly once, after the last progress event: the final event (a
    // result or a failure), or the status of a stream that ended without
    // one: UNAVAILABLE when the worker went away, RESOURCE_EXHAUSTED when
    // it had no free slot, CANCELLED after Cancel, DEADLINE_EXCEEDED.
    std::function<void(absl::StatusOr<v1::EvaluateEvent>)> on_done;
  };

  virtual ~EvaluationClient() = default;

  // Starts `request` on the worker at `address`, to be finished within
  // `deadline`. The callbacks run on the client's threads, possibly before
  // Start returns; they must not block.
  virtual std::shared_ptr<Evaluation> Start(const std::string& address,
                                            const v1::EvaluateRequest& request,
                                            std::chrono::milliseconds deadline,
                                            Callbacks callbacks) = 0;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SCHEDULER_EVALUATION_CLIENT_H_
