#include "common/status/evaluation_outcome.h"

namespace nasprune {

bool IsDeterministicFailure(absl::StatusCode code) {
  return code == absl::StatusCode::kInvalidArgument ||
         code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kDeadlineExceeded;
}

v1::TrialFailure FailureFromStatus(const absl::Status& status,
                                   const std::string& worker) {
  v1::TrialFailure failure;
  failure.set_code(absl::StatusCodeToString(status.code()));
  failure.set_message(std::string(status.message()));
  failure.set_deterministic(IsDeterministicFailure(status.code()));
  failure.set_worker(worker);
  return failure;
}

EvaluationOutcome ClassifyOutcome(
    const absl::StatusOr<v1::EvaluateEvent>& outcome) {
  if (outcome.ok()) {
    if (outcome->has_result()) return EvaluationOutcome::kSucceeded;
    if (outcome->has_failure() && outcome->failure().deterministic()) {
      return EvaluationOutcome::kDeterministicFailure;
    }
    return EvaluationOutcome::kRetryableFailure;
  }
  switch (outcome.status().code()) {
    case absl::StatusCode::kResourceExhausted:  // Every slot busy.
    case absl::StatusCode::kAlreadyExists:      // Its slot still runs it.
      return EvaluationOutcome::kWorkerBusy;
    case absl::StatusCode::kUnavailable:
      return EvaluationOutcome::kWorkerLost;
    default:
      return EvaluationOutcome::kRetryableFailure;
  }
}

}  // namespace nasprune
