#ifndef NASPRUNE_CLI_OFFLINE_COMMANDS_H_
#define NASPRUNE_CLI_OFFLINE_COMMANDS_H_

// The CLI commands that need no service: checking a job spec, sampling its
// search space, costing a genome. They share the job-spec and genome code the
// controller uses, so what they accept the controller accepts.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "cli/output.h"

namespace nasprune::cli {

// Loads, defaults and validates a job spec file; prints a summary (table) or
// the complete spec with defaults applied (JSON). The error names the file and
// every bad field.
absl::Status ValidateCommand(const std::string& spec_path, OutputFormat format,
                             std::ostream& out);

// Samples `count` genomes from the spec's search scope with `seed` and prints
// each one's hash, analytic params and MACs, and whether it meets the spec's
// analytic constraints (table), or the genomes themselves (JSON lines).
absl::Status SampleCommand(const std::string& spec_path, int count,
                           uint64_t seed, OutputFormat format,
                           std::ostream& out);

// Validates a genome file (YAML or JSON) and prints its hash, channel groups
// and per-layer analytic cost for an input of `channels`×`height`×`width`
// and `num_classes` classes; as JSON, the same with every layer and group.
absl::Status CostCommand(const std::string& genome_path, int channels,
                         int height, int width, int num_classes,
                         OutputFormat format, std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_OFFLINE_COMMANDS_H_
