#ifndef NASPRUNE_CLI_SERVICE_COMMANDS_H_
#define NASPRUNE_CLI_SERVICE_COMMANDS_H_

// The CLI commands that talk to a running controller (NasController API):
// submitting a job (and waiting for it) and downloading an exported model.

#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace nasprune::cli {

struct SubmitOptions {
  std::string controller;  // HOST:PORT.
  std::string spec_path;
  // Idempotency key: submitting again with it returns the same job.
  std::string request_id;
  // Follow the job's events until it ends; the result is the job's.
  bool wait = false;
};

// Reads and checks the spec file, submits it, and prints the job id (on
// `out`). With `wait`, prints each finished trial and status change (on
// `progress`) until the job ends, then its summary and Pareto front on
// `out`. OK when the job was submitted (and, with `wait`, succeeded);
// otherwise the error, naming the file, the field or the job's message.
absl::Status SubmitCommand(const SubmitOptions& options, std::ostream& out,
                           std::ostream& progress);

// Downloads the exported model of `trial_id` into `output_path` (written
// whole, then renamed into place) after checking its SHA-256.
absl::Status ExportCommand(const std::string& controller,
                           const std::string& trial_id,
                           const std::string& output_path, std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_SERVICE_COMMANDS_H_
