#ifndef NASPRUNE_CONTROLLER_SERVICE_GRPC_EVALUATION_CLIENT_H_
#define NASPRUNE_CONTROLLER_SERVICE_GRPC_EVALUATION_CLIENT_H_

// EvaluationClient over gRPC: Worker.Evaluate as a callback-API streaming
// call with a deadline, one channel per worker address (kept for reuse).
// Thread-safe.

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "controller/scheduler/evaluation_client.h"
#include "nasprune/v1/worker.grpc.pb.h"

namespace nasprune::controller {

class GrpcEvaluationClient final : public EvaluationClient {
 public:
  GrpcEvaluationClient() = default;

  std::shared_ptr<Evaluation> Start(const std::string& address,
                                    const v1::EvaluateRequest& request,
                                    std::chrono::milliseconds deadline,
                                    Callbacks callbacks) override;

 private:
  v1::Worker::Stub* StubFor(const std::string& address);

  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<v1::Worker::Stub>> stubs_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SERVICE_GRPC_EVALUATION_CLIENT_H_
