#ifndef NASPRUNE_CONTROLLER_SERVICE_GRPC_EVALUATION_CLIENT_H_
#define NASPRUNE_CONTROLLER_SERVICE_GRPC_EVALUATION_CLIENT_H_

// EvaluationClient over gRPC: Worker.Evaluate as a callback-API streaming
// call with a deadline, one channel per worker address (kept for reuse).
//
// Calls are started on a thread of the client's own, in the order Start was
// called: starting one writes to the worker's socket (on loopback, the
// kernel delivers it in the same breath), which would otherwise hold up the
// caller, the scheduler, for a fraction of a millisecond per trial. A call
// cancelled before it starts ends with CANCELLED as soon as it starts.
// Thread-safe; the destructor starts what is queued and stops the thread.

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "controller/scheduler/evaluation_client.h"
#include "nasprune/v1/worker.grpc.pb.h"

namespace nasprune::controller {

class GrpcEvaluationClient final : public EvaluationClient {
 public:
  GrpcEvaluationClient();
  ~GrpcEvaluationClient() override;

  std::shared_ptr<Evaluation> Start(const std::string& address,
                                    const v1::EvaluateRequest& request,
                                    std::chrono::milliseconds deadline,
                                    Callbacks callbacks) override;

 private:
  v1::Worker::Stub* StubFor(const std::string& address);
  void StartLoop();

  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<v1::Worker::Stub>> stubs_
      ABSL_GUARDED_BY(mu_);

  absl::Mutex start_mu_;
  std::deque<std::function<void()>> to_start_ ABSL_GUARDED_BY(start_mu_);
  bool stopping_ ABSL_GUARDED_BY(start_mu_) = false;
  std::thread starter_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SERVICE_GRPC_EVALUATION_CLIENT_H_
