#ifndef NASPRUNE_CLI_CONTROLLER_CLIENT_H_
#define NASPRUNE_CLI_CONTROLLER_CLIENT_H_

// How the CLI reaches a controller: its address as the user wrote it
// (HOST, HOST:PORT, [IPv6]:PORT; the port defaults to 50051), a deadline
// per call, and every failure as one line that says where it looked.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/client_context.h"
#include "nasprune/v1/controller.grpc.pb.h"

namespace nasprune::cli {

inline constexpr int kDefaultControllerPort = 50051;

// `flag` with the default port added when it has none ("localhost" →
// "localhost:50051"); INVALID_ARGUMENT ("controller address ...") when it
// is empty, has no host, or its port is not a number in [1, 65535].
absl::StatusOr<std::string> ControllerAddress(absl::string_view flag);

// A job's end that was not success: the CLI exits 3 for it (main.cc), not
// 1 as for an error of its own.
absl::Status JobEndedError(std::string message);
bool IsJobEnded(const absl::Status& status);

class ControllerClient {
 public:
  explicit ControllerClient(std::string address);

  const std::string& address() const { return address_; }
  v1::NasController::Stub& stub() { return *stub_; }

  // One unary call with the default deadline; the error as Error() words it.
  template <typename Request, typename Response>
  absl::Status Call(grpc::Status (v1::NasController::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    return Error((stub_.get()->*method)(&context, request, response));
  }

  // A call's status as the CLI reports it: a controller that cannot be
  // reached is named with its address, the rest is the controller's own
  // message.
  absl::Status Error(const grpc::Status& status) const;
  absl::Status Error(const absl::Status& status) const;

  // A job's status, and its Pareto front.
  absl::StatusOr<v1::JobStatus> GetJob(const std::string& job_id);
  absl::StatusOr<v1::ParetoFront> GetFront(const std::string& job_id);

  // Every trial of a job, all pages.
  absl::StatusOr<std::vector<v1::TrialRecord>> AllTrials(
      const std::string& job_id);

 private:
  static constexpr std::chrono::seconds kCallDeadline{30};

  std::string address_;
  std::unique_ptr<v1::NasController::Stub> stub_;
};

// The export trials of `trials` (pointers into it) by the trial each
// exported. An export trains a front member's genome again at its rung
// (promoted_from names the member; a promotion's rung is higher), and its
// model is the one a download of the member's id returns.
absl::flat_hash_map<std::string, const v1::TrialRecord*> ExportsBySource(
    const std::vector<v1::TrialRecord>& trials);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_CONTROLLER_CLIENT_H_
