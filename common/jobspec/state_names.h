#ifndef NASPRUNE_COMMON_JOBSPEC_STATE_NAMES_H_
#define NASPRUNE_COMMON_JOBSPEC_STATE_NAMES_H_

// Job and trial states by their short names, as people and metric labels
// see them: JOB_STATE_RUNNING is "RUNNING" (and the label "running").

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

}  // namespace nasprune::jobspec

#endif  // NASPRUNE_COMMON_JOBSPEC_STATE_NAMES_H_
