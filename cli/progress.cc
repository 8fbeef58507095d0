#include "cli/progress.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jobspec/states.h"
#include "common/time/proto_time.h"

namespace nasprune::cli {
namespace {

// Time left: the nearer of the wall budget's end and the trial budget at
// the pace so far.
std::optional<absl::Duration> Eta(const v1::JobStatus& job,
                                  absl::Duration elapsed) {
  if (jobspec::IsFinal(job.state())) return std::nullopt;
  std::optional<absl::Duration> eta;
  if (const int64_t wall = job.spec().budget().max_wall_seconds(); wall > 0) {
    eta = std::max(absl::ZeroDuration(), absl::Seconds(wall) - elapsed);
  }
  const v1::TrialCounts& n = job.trials();
  const int done = n.succeeded() + n.early_stopped() + n.failed();
  const int budget = job.spec().budget().max_trials();
  if (done > 0 && budget > done) {
    const absl::Duration pace = elapsed * (double(budget - done) / done);
    eta = eta ? std::min(*eta, pace) : pace;
  }
  return eta;
}

}  // namespace

std::string ShortDuration(absl::Duration d) {
  const int64_t s = std::max<int64_t>(0, absl::ToInt64Seconds(d));
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
}

std::string ProgressLine(const JobProgress& progress, absl::Time now) {
  const v1::JobStatus& job = progress.status;
  const v1::TrialCounts& n = job.trials();
  std::string line =
      absl::StrFormat("%s  %d/%d trials  %d running  %d failed  %d cached",
                      jobspec::JobStateName(job.state()), n.total(),
                      job.spec().budget().max_trials(), n.running(), n.failed(),
                      n.cache_hits());
  if (!job.best_trial_id().empty()) {
    absl::StrAppendFormat(&line, "  best %.4f", job.best_accuracy());
  }
  if (progress.front_size > 0) {
    absl::StrAppendFormat(&line, "  front %d  HV %.4f", progress.front_size,
                          progress.hypervolume);
  }
  if (job.has_start_time()) {
    const absl::Time end =
        job.has_end_time() ? FromProtoTime(job.end_time()) : now;
    const absl::Duration elapsed = end - FromProtoTime(job.start_time());
    absl::StrAppend(&line, "  ", ShortDuration(elapsed));
    if (std::optional<absl::Duration> eta = Eta(job, elapsed)) {
      absl::StrAppend(&line, "  ETA ", ShortDuration(*eta));
    }
  }
  return line;
}

}  // namespace nasprune::cli
