#ifndef NASPRUNE_COMMON_STATUS_EVALUATION_OUTCOME_H_
#define NASPRUNE_COMMON_STATUS_EVALUATION_OUTCOME_H_

// How an evaluation ended, decided in one place for the worker (which marks
// its failures deterministic or not) and the controller (which retries,
// fails, requeues or declares the worker lost).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune {

// Whether retrying an evaluation that failed with `code` cannot help:
// INVALID_ARGUMENT (a bad genome or request), RESOURCE_EXHAUSTED (out of
// memory for this genome) and DEADLINE_EXCEEDED (the recipe's time limit).
bool IsDeterministicFailure(absl::StatusCode code);

// The failure a worker reports for an evaluation that ended with `status`
// (not OK): its code by canonical name ("RESOURCE_EXHAUSTED"), its message,
// whether it is deterministic, and the worker.
v1::TrialFailure FailureFromStatus(const absl::Status& status,
                                   const std::string& worker);

enum class EvaluationOutcome {
  // A result event.
  kSucceeded,
  // A failure event marked deterministic: the genome's fault, never
  // retried; the worker is not to blame.
  kDeterministicFailure,
  // A failure event that is not deterministic, a deadline, a cancellation,
  // or any other end of the call: retried, and counted against the worker.
  kRetryableFailure,
  // The call ended RESOURCE_EXHAUSTED before any event (every slot of the
  // worker was busy) or ALREADY_EXISTS (the worker still runs an earlier
  // attempt of the trial, one queued again when the worker was declared
  // lost). This attempt never ran; no attempt is used.
  kWorkerBusy,
  // The call ended UNAVAILABLE: its stream broke, the worker is lost.
  kWorkerLost,
};

// The class of what an Evaluate call returned (EvaluationClient's on_done).
EvaluationOutcome ClassifyOutcome(
    const absl::StatusOr<v1::EvaluateEvent>& outcome);

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_STATUS_EVALUATION_OUTCOME_H_
