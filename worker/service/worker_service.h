#ifndef NASPRUNE_WORKER_SERVICE_WORKER_SERVICE_H_
#define NASPRUNE_WORKER_SERVICE_WORKER_SERVICE_H_

// The gRPC Worker service (proto/nasprune/v1/worker.proto) around an
// evaluation function: Evaluate streams progress and then exactly one result
// or failure event; Cancel stops a running evaluation; Status reports the
// slots. This is the edge: the evaluation itself sees no gRPC type, and
// statuses are converted once here.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "nasprune/v1/worker.grpc.pb.h"
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

// Runs one evaluation: reports progress, and stops when `canceller` is
// cancelled (registering its stop hook with it). Called on the request's
// thread.
using EvaluateFn = std::function<absl::StatusOr<v1::EvaluationResult>(
    const v1::EvaluateRequest& request,
    const std::function<void(const v1::TrialProgress&)>& progress,
    Canceller& canceller)>;

// Cancels evaluations whose caller went away: one thread checks every
// watched call every 20 ms (the sync API has no cancellation callback), so
// no evaluation pays for a thread of its own. Thread-safe.
class ClientWatcher {
 public:
  ClientWatcher();
  ~ClientWatcher();
  // Cancels `canceller` once `context` is cancelled, until Unwatch (after
  // which neither is touched). Both must outlive the watch.
  int64_t Watch(grpc::ServerContext* context, Canceller* canceller);
  void Unwatch(int64_t id);

 private:
  struct Watched {
    grpc::ServerContext* context = nullptr;
    Canceller* canceller = nullptr;
    bool fired = false;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int64_t next_id_ = 1;
  std::map<int64_t, Watched> watched_;
  std::thread thread_;  // Last: starts once the rest exists.
};

class WorkerServiceImpl final : public v1::Worker::Service {
 public:
  // `slots` (and `metrics`, when given) must outlive the service.
  WorkerServiceImpl(WorkerIdentity identity, SlotTable* slots,
                    EvaluateFn evaluate, WorkerMetrics* metrics = nullptr);

  grpc::Status Evaluate(grpc::ServerContext* context,
                        const v1::EvaluateRequest* request,
                        grpc::ServerWriter<v1::EvaluateEvent>* writer) override;
  grpc::Status Cancel(grpc::ServerContext* context,
                      const v1::CancelRequest* request,
                      v1::CancelResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const v1::WorkerStatusRequest* request,
                      v1::WorkerStatus* response) override;

 private:
  // Updates the slot gauges; with an outcome, the evaluation's figures.
  void CountSlots();
  void Count(const char* outcome, std::chrono::steady_clock::time_point start,
             const absl::StatusOr<v1::EvaluationResult>& result);

  const WorkerIdentity identity_;
  SlotTable* const slots_;
  const EvaluateFn evaluate_;
  WorkerMetrics* const metrics_;
  std::mutex count_mu_;
  ClientWatcher watcher_;
  const std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_WORKER_SERVICE_H_
