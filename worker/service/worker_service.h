#ifndef NASPRUNE_WORKER_SERVICE_WORKER_SERVICE_H_
#define NASPRUNE_WORKER_SERVICE_WORKER_SERVICE_H_

// The gRPC Worker service (proto/nasprune/v1/worker.proto) around an
// Evaluator, on the callback API. Evaluate takes a slot (RESOURCE_EXHAUSTED
// when every slot is busy, or when the evaluator admits no more:
// Evaluator::Admit, a GPU short of memory), runs the evaluation on an
// evaluation thread of its own, streams its progress (one write in flight; a
// slow caller delays progress, not training) and then exactly one result or
// failure event; a caller that goes away, or Cancel, stops it at once through
// the call's cancellation callback. Status reports the slots. This is the edge:
// the evaluator sees no gRPC type, and statuses are converted once here.

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nasprune/v1/worker.grpc.pb.h"
#include "worker/evaluator/evaluator.h"
#include "worker/service/evaluation_threads.h"
#include "worker/service/metrics.h"
#include "worker/service/slots.h"

namespace nasprune::worker {

// What the worker is, as it reports it.
struct WorkerIdentity {
  std::string name;
  std::string address;
  std::string device;
  std::string evaluator_version;
  bool synthetic = false;
};

class WorkerServiceImpl final : public v1::Worker::CallbackService {
 public:
  struct Options {
    WorkerIdentity identity;
    // Required; must outlive the service.
    SlotTable* slots = nullptr;
    Evaluator* evaluator = nullptr;
    // Optional; must outlive the service.
    WorkerMetrics* metrics = nullptr;
    // Called when the controller should hear from the worker before the
    // next regular heartbeat: on an evaluation thread when a slot frees
    // after its evaluation was cancelled or a trial was turned away, and
    // on Drain. It must not block.
    std::function<void()> heartbeat_now;
  };

  explicit WorkerServiceImpl(Options options);

  grpc::ServerWriteReactor<v1::EvaluateEvent>* Evaluate(
      grpc::CallbackServerContext* context,
      const v1::EvaluateRequest* request) override;
  grpc::ServerUnaryReactor* Cancel(grpc::CallbackServerContext* context,
                                   const v1::CancelRequest* request,
                                   v1::CancelResponse* response) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const v1::WorkerStatusRequest* request,
                                   v1::WorkerStatus* response) override;
  grpc::ServerUnaryReactor* Drain(grpc::CallbackServerContext* context,
                                  const v1::DrainRequest* request,
                                  v1::DrainResponse* response) override;

 private:
  friend class EvaluateReactor;

  // Updates the slot gauges; with an outcome, the evaluation's figures.
  void CountSlots();
  void Count(const char* outcome, std::chrono::steady_clock::time_point start,
             const absl::StatusOr<v1::EvaluationResult>& result);

  const Options options_;
  absl::Mutex count_mu_;
  const std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  // Last: its destructor runs what is left before the rest goes.
  EvaluationThreads threads_;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_WORKER_SERVICE_H_
