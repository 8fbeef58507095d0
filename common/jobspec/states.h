#ifndef NASPRUNE_COMMON_JOBSPEC_STATES_H_
#define NASPRUNE_COMMON_JOBSPEC_STATES_H_

// Job and trial states: which are final, and their short names as people
// and metric labels see them (JOB_STATE_RUNNING is "RUNNING", and the label
// "running"); the metric labels of evaluation phases ("train") and
// strategy kinds ("nsga2"). The one home of these rules for the controller,
// the worker, the CLI and the tests.

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::jobspec {

namespace internal {
inline std::string WithoutPrefix(std::string name, const char* prefix) {
  if (absl::StartsWith(name, prefix)) name.erase(0, std::string(prefix).size());
  return name;
}
}  // namespace internal

// SUCCEEDED, FAILED and CANCELLED: the job changes no more.
inline bool IsFinal(v1::JobState state) {
  return state == v1::JOB_STATE_SUCCEEDED || state == v1::JOB_STATE_FAILED ||
         state == v1::JOB_STATE_CANCELLED;
}

// SUCCEEDED, FAILED, EARLY_STOPPED and CANCELLED: the trial runs no more.
inline bool IsFinal(v1::TrialState state) {
  return state == v1::TRIAL_STATE_SUCCEEDED ||
         state == v1::TRIAL_STATE_FAILED ||
         state == v1::TRIAL_STATE_EARLY_STOPPED ||
         state == v1::TRIAL_STATE_CANCELLED;
}

inline std::string JobStateName(v1::JobState state) {
  return internal::WithoutPrefix(v1::JobState_Name(state), "JOB_STATE_");
}

inline std::string TrialStateName(v1::TrialState state) {
  return internal::WithoutPrefix(v1::TrialState_Name(state), "TRIAL_STATE_");
}

// The same in lower case, for metric labels.
inline std::string JobStateLabel(v1::JobState state) {
  return absl::AsciiStrToLower(JobStateName(state));
}

inline std::string TrialStateLabel(v1::TrialState state) {
  return absl::AsciiStrToLower(TrialStateName(state));
}

inline std::string PhaseLabel(v1::Phase phase) {
  return absl::AsciiStrToLower(
      internal::WithoutPrefix(v1::Phase_Name(phase), "PHASE_"));
}

// random, evolution, nsga2, reinforce; none when unset.
inline std::string StrategyLabel(const v1::StrategySpec& strategy) {
  switch (strategy.kind_case()) {
    case v1::StrategySpec::kRandom:
      return "random";
    case v1::StrategySpec::kEvolution:
      return "evolution";
    case v1::StrategySpec::kNsga2:
      return "nsga2";
    case v1::StrategySpec::kReinforce:
      return "reinforce";
    case v1::StrategySpec::KIND_NOT_SET:
      break;
  }
  return "none";
}

}  // namespace nasprune::jobspec

#endif  // NASPRUNE_COMMON_JOBSPEC_STATES_H_
