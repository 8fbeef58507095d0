#include "cli/controller_client.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace nasprune::cli {
namespace {

constexpr absl::string_view kJobEndedPayload = "nasprune.cli/job-ended";

// Whether an UNAVAILABLE came from the channel (nothing answered), not from
// the controller (its store refused a write): gRPC's own wording.
bool Unreachable(absl::string_view message) {
  for (absl::string_view sign :
       {"failed to connect to all addresses", "DNS resolution failed",
        "Socket closed", "connections to all backends failing"}) {
    if (absl::StrContains(message, sign)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> ControllerAddress(absl::string_view flag) {
  const std::string address(absl::StripAsciiWhitespace(flag));
  if (address.empty()) {
    return absl::InvalidArgumentError(
        "controller address: empty; want HOST:PORT");
  }
  // The port follows the last colon, except inside an IPv6 literal's
  // brackets; a bare IPv6 address (two colons or more) has none.
  size_t colon = address.rfind(':');
  const size_t bracket = address.rfind(']');
  if (colon != std::string::npos && bracket != std::string::npos &&
      colon < bracket) {
    colon = std::string::npos;
  }
  if (colon != std::string::npos && bracket == std::string::npos &&
      address.find(':') != colon) {
    return absl::StrCat("[", address, "]:", kDefaultControllerPort);
  }
  if (colon == std::string::npos) {
    return absl::StrCat(address, ":", kDefaultControllerPort);
  }
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("controller address \"", address,
                     "\": the port is not a number in [1, 65535]"));
  }
  if (colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("controller address \"", address, "\": no host"));
  }
  return address;
}

absl::Status JobEndedError(std::string message) {
  absl::Status status = absl::AbortedError(std::move(message));
  status.SetPayload(kJobEndedPayload, absl::Cord("1"));
  return status;
}

bool IsJobEnded(const absl::Status& status) {
  return status.GetPayload(kJobEndedPayload).has_value();
}

ControllerClient::ControllerClient(std::string address)
    : address_(std::move(address)),
      stub_(v1::NasController::NewStub(
          grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()))) {}

absl::Status ControllerClient::Error(const grpc::Status& status) const {
  return Error(FromGrpcStatus(status));
}

absl::Status ControllerClient::Error(const absl::Status& status) const {
  if (status.ok()) return status;
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      if (!Unreachable(status.message())) {  // The controller's own answer.
        return absl::UnavailableError(absl::StrCat(
            "the controller at ", address_, ": ", status.message()));
      }
      return absl::UnavailableError(absl::StrCat(
          "cannot reach the controller at ", address_,
          " (is nasprune-controller running there?): ", status.message()));
    case absl::StatusCode::kDeadlineExceeded:
      return absl::DeadlineExceededError(
          absl::StrCat("the controller at ", address_,
                       " did not answer in time: ", status.message()));
    default:
      return status;
  }
}

absl::StatusOr<v1::JobStatus> ControllerClient::GetJob(
    const std::string& job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  v1::JobStatus job;
  if (absl::Status s = Call(&v1::NasController::Stub::GetJob, request, &job);
      !s.ok()) {
    return s;
  }
  return job;
}

absl::StatusOr<v1::ParetoFront> ControllerClient::GetFront(
    const std::string& job_id) {
  v1::GetParetoFrontRequest request;
  request.set_job_id(job_id);
  v1::ParetoFront front;
  if (absl::Status s =
          Call(&v1::NasController::Stub::GetParetoFront, request, &front);
      !s.ok()) {
    return s;
  }
  return front;
}

absl::StatusOr<std::vector<v1::TrialRecord>> ControllerClient::AllTrials(
    const std::string& job_id) {
  std::vector<v1::TrialRecord> trials;
  v1::ListTrialsRequest request;
  request.set_job_id(job_id);
  request.set_page_size(2000);
  do {
    v1::ListTrialsResponse page;
    if (absl::Status s =
            Call(&v1::NasController::Stub::ListTrials, request, &page);
        !s.ok()) {
      return s;
    }
    for (v1::TrialRecord& t : *page.mutable_trials()) {
      trials.push_back(std::move(t));
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return trials;
}

absl::flat_hash_map<std::string, const v1::TrialRecord*> ExportsBySource(
    const std::vector<v1::TrialRecord>& trials) {
  absl::flat_hash_map<std::string, int> rung;
  for (const v1::TrialRecord& t : trials) rung[t.trial_id()] = t.rung();
  absl::flat_hash_map<std::string, const v1::TrialRecord*> exports;
  for (const v1::TrialRecord& t : trials) {
    const auto source = rung.find(t.promoted_from());
    if (source != rung.end() && source->second == t.rung() &&
        t.state() == v1::TRIAL_STATE_SUCCEEDED) {
      exports[t.promoted_from()] = &t;
    }
  }
  return exports;
}

}  // namespace nasprune::cli
