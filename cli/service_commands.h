#ifndef NASPRUNE_CLI_SERVICE_COMMANDS_H_
#define NASPRUNE_CLI_SERVICE_COMMANDS_H_

// The CLI commands that talk to a running controller (NasController API):
// submitting a job, following one to its end, and downloading an exported
// model. The commands that only read are in read_commands.h.

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::cli {

struct SubmitOptions {
  std::string controller;  // HOST:PORT.
  // The spec, read and checked (jobspec::LoadJobSpec) before the controller
  // is dialled or its address resolved: bad input is reported as such.
  v1::JobSpec spec;
  // Idempotency key: submitting again with it returns the same job. When
  // empty one is generated, so that the retries of one submit (the
  // controller unreachable or slow: up to 4 attempts) create one job.
  std::string request_id;
  // Follow the job's events until it ends; the result is the job's.
  bool wait = false;
  // Keep a progress line redrawn in place under the events (a terminal).
  bool live = false;
};

// Submits the spec and prints the job id (on
// `out`). With `wait`, prints each finished trial and status change (on
// `progress`) until the job ends, then its summary and Pareto front on
// `out`. OK when the job was submitted (and, with `wait`, succeeded);
// otherwise the error, naming the field or the job's message.
// A job that ends other than SUCCEEDED is JobEndedError (exit 3).
absl::Status SubmitCommand(const SubmitOptions& options, std::ostream& out,
                           std::ostream& progress);

// Follows a submitted job as `submit --wait` does, everything on `out`:
// each finished trial and state change (under a live progress line when
// `live`), then the summary and front. A dropped stream is resumed after
// the last event seen, none lost or shown twice. JobEndedError when the
// job ends other than SUCCEEDED.
absl::Status WatchCommand(const std::string& controller,
                          const std::string& job_id, bool live,
                          std::ostream& out);

// The choices of `export JOB --best`.
inline constexpr const char* kExportBest[] = {"accuracy", "params", "macs",
                                              "latency"};

// Downloads an exported model into `output_path` (written whole, then
// renamed into place) after checking its SHA-256. `target` is a trial id
// (<job>/<index>), or a job id: then the job's front member with a model
// that is best by `best` (the highest accuracy, test where measured; the
// fewest params or MACs; the lowest latency), named on `out` first.
absl::Status ExportCommand(const std::string& controller,
                           const std::string& target, const std::string& best,
                           const std::string& output_path, std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_SERVICE_COMMANDS_H_
