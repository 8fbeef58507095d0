#ifndef NASPRUNE_COMMON_JOBSPEC_JOB_SPEC_H_
#define NASPRUNE_COMMON_JOBSPEC_JOB_SPEC_H_

// Job specs: defaults and semantic validation with field paths. The
// controller runs PrepareJobSpec on every submitted spec; the CLI runs
// LoadJobSpec (load_job_spec.h) on files, the same checks, so a user sees the
// same errors before anything is sent.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/genome/network_plan.h"
#include "common/genome/search_scope.h"
#include "common/status/field_errors.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::jobspec {

// A data set the service knows by name.
struct KnownDataset {
  const char* name;
  nasprune::v1::DatasetFormat format;
  int channels;
  int height;
  int width;
  int num_classes;
  // Where workers look when the spec gives no path.
  const char* default_path;
};

// The built-in data sets ("fashion-mnist", "mnist", "cifar10"), or null.
const KnownDataset* FindKnownDataset(absl::string_view name);

// The network input of a data set (its shape and class count).
genome::InputSpec InputSpecOf(const nasprune::v1::DatasetSpec& dataset);

// The search scope (space, mode, base architecture) of a spec.
genome::SearchScope ScopeOf(const nasprune::v1::JobSpec& spec);

// Fills every unset field with its documented default (job.proto): mode,
// dataset shape/format/classes of a known data set, the default search space,
// evolution as the strategy, accuracy as the objective, budget, recipe,
// multi-fidelity and export settings. Idempotent.
void ApplyJobDefaults(nasprune::v1::JobSpec* spec);

// Checks a spec whose defaults were applied. OK, or INVALID_ARGUMENT listing
// every problem as "<field path>: <problem and allowed range>".
absl::Status ValidateJobSpec(const nasprune::v1::JobSpec& spec);
// The same checks, each problem recorded in `errors` with its field path.
void ValidateJobSpecInto(const nasprune::v1::JobSpec& spec,
                         FieldErrors* errors);

// ApplyJobDefaults then ValidateJobSpec.
absl::StatusOr<nasprune::v1::JobSpec> PrepareJobSpec(
    nasprune::v1::JobSpec spec);

}  // namespace nasprune::jobspec

#endif  // NASPRUNE_COMMON_JOBSPEC_JOB_SPEC_H_
