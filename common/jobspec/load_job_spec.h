#ifndef NASPRUNE_COMMON_JOBSPEC_LOAD_JOB_SPEC_H_
#define NASPRUNE_COMMON_JOBSPEC_LOAD_JOB_SPEC_H_

// A job spec file read, completed and checked, with every problem of the file
// in one report: what the parse found (yaml_proto.h) and what the whole-spec
// checks (job_spec.h) find in the rest, in the order of the file, without
// the problems that only follow from a malformed value.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/status/field_errors.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::jobspec {

struct LoadOptions {
  // Called on the parsed spec before defaults are applied, to fill what the
  // data set's own files tell and to record where they disagree with the
  // spec (as "dataset.<field>" errors). The CLI reads IDX headers and labels
  // with it (cli/dataset_probe.h); the controller has no such hook.
  std::function<void(nasprune::v1::DatasetSpec*, FieldErrors*)>
      complete_dataset;
};

// Reads a YAML or JSON file (yaml_proto.h), then PrepareJobSpec. Every
// problem of the file is reported in one INVALID_ARGUMENT, one per line in
// the order of the file, each as "<path>:<line>:<column>: <field>: <problem>"
// (without line and column for a field the file does not set): malformed
// values, unknown fields and what the checks of a whole spec find in the
// rest. A YAML syntax error or binary input is reported alone.
absl::StatusOr<nasprune::v1::JobSpec> LoadJobSpec(
    const std::string& path, const LoadOptions& options = {});

}  // namespace nasprune::jobspec

#endif  // NASPRUNE_COMMON_JOBSPEC_LOAD_JOB_SPEC_H_
