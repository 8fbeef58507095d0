#include "worker/service/drain.h"

#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nasprune/v1/worker.grpc.pb.h"

namespace nasprune::worker {
namespace {

constexpr std::chrono::seconds kCallDeadline{5};

grpc::ClientContext* WithDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return context;
}

absl::Status Unreachable(const std::string& address,
                         const grpc::Status& status) {
  return absl::UnavailableError(
      absl::StrCat("worker ", address, ": ", status.error_message(), " (",
                   static_cast<int>(status.error_code()), ")"));
}

}  // namespace

absl::Status DrainWorker(const DrainOptions& options) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  auto stub = v1::Worker::NewStub(
      grpc::CreateChannel(options.address, grpc::InsecureChannelCredentials()));
  v1::DrainResponse drained;
  {
    grpc::ClientContext context;
    const grpc::Status status =
        stub->Drain(WithDeadline(&context), v1::DrainRequest(), &drained);
    if (!status.ok()) return Unreachable(options.address, status);
  }
  log(absl::StrCat("draining ", options.address, ": ", drained.running(),
                   " evaluation(s) running"));
  if (options.timeout.count() <= 0) return absl::OkStatus();
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::vector<std::string> running;
  while (true) {
    v1::WorkerStatus status;
    grpc::ClientContext context;
    const grpc::Status call = stub->Status(WithDeadline(&context),
                                           v1::WorkerStatusRequest(), &status);
    if (!call.ok()) return Unreachable(options.address, call);
    running.clear();
    for (const v1::SlotStatus& slot : status.slots()) {
      if (!slot.trial_id().empty()) running.push_back(slot.trial_id());
    }
    if (running.empty()) {
      log(absl::StrCat("drained ", options.address, ": nothing runs"));
      return absl::OkStatus();
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(options.poll);
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "worker ", options.address, " still runs ", absl::StrJoin(running, ", "),
      " after ",
      std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count(),
      " s"));
}

}  // namespace nasprune::worker
