#ifndef NASPRUNE_CLI_READ_COMMANDS_H_
#define NASPRUNE_CLI_READ_COMMANDS_H_

// The CLI commands that read (or cancel) what a controller holds: jobs,
// one job's status, its trials, its Pareto front, the registered workers.
// Each prints in the `--output` form asked for (cli/output.h): JSON is the
// API's message itself (a list prints an array of them), the table and CSV
// forms the columns docs/cli.md lists.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/controller_client.h"
#include "cli/output.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::cli {

// "running,failed" → those states. Names are the API's without their
// prefix, in any case; INVALID_ARGUMENT naming `flag` and the allowed names
// otherwise. Empty text: no states (every state).
absl::StatusOr<std::vector<v1::JobState>> ParseJobStates(
    const std::string& text, const std::string& flag);
absl::StatusOr<std::vector<v1::TrialState>> ParseTrialStates(
    const std::string& text, const std::string& flag);

// Jobs, newest first, in `states` (all when empty).
absl::Status ListCommand(ControllerClient& client,
                         const std::vector<v1::JobState>& states,
                         OutputFormat format, std::ostream& out);

// One job: state, times, trial counts, best model, front size and
// hypervolume, and per rung what it holds.
absl::Status StatusCommand(ControllerClient& client, const std::string& job_id,
                           OutputFormat format, std::ostream& out);

// Cancels a job (a final job is left as it is) and prints its status.
absl::Status CancelCommand(ControllerClient& client, const std::string& job_id,
                           const std::string& reason, OutputFormat format,
                           std::ostream& out);

// The sort keys of `trials --sort`: index (creation order, the default),
// accuracy and test_accuracy (highest first), params, macs, latency and
// seconds (lowest first). Trials without a result sort last.
inline constexpr const char* kTrialSortKeys[] = {
    "index", "accuracy", "test_accuracy", "params",
    "macs",  "latency",  "seconds"};

struct TrialsQuery {
  std::vector<v1::TrialState> states;  // All when empty.
  std::string sort = "index";
  int top = 0;  // The first N after sorting; 0 = all.
};

absl::Status TrialsCommand(ControllerClient& client, const std::string& job_id,
                           const TrialsQuery& query, OutputFormat format,
                           std::ostream& out);

// The job's Pareto front: one row per point with its objectives, and (in
// the table form) the hypervolume.
absl::Status ParetoCommand(ControllerClient& client, const std::string& job_id,
                           OutputFormat format, std::ostream& out);

// The workers registered with the controller: address, device, slots,
// busy slots, state, last heartbeat.
absl::Status WorkersCommand(ControllerClient& client, OutputFormat format,
                            std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_READ_COMMANDS_H_
