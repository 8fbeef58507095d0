// Job::Restore: a job read back from its records in the store, after a
// controller restart (job.h).

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/jobspec/states.h"
#include "controller/jobs/job.h"

namespace nasprune::controller {

absl::StatusOr<std::unique_ptr<Job>> Job::Restore(
    v1::JobStatus status, std::vector<v1::TrialRecord> trials,
    std::optional<v1::StrategyState> checkpoint, Options options,
    absl::Time now) {
  const std::string job_id = status.job_id();
  // Event sequences continue above any the job handed out before.
  absl::StatusOr<std::unique_ptr<Job>> created =
      Build(std::move(status), options,
            std::max<int64_t>(2, absl::ToUnixMicros(now)));
  if (!created.ok()) {
    return absl::DataLossError(absl::StrCat(
        "job ", job_id,
        ": its stored spec is unusable: ", created.status().message()));
  }
  Job& job = **created;
  if (checkpoint.has_value()) {
    if (absl::Status restored = job.strategy_->Restore(*checkpoint);
        !restored.ok()) {
      return absl::DataLossError(absl::StrCat(
          "job ", job_id,
          ": its checkpoint does not restore: ", restored.message()));
    }
    job.RefreshScreening();
  } else if (!trials.empty()) {
    return absl::DataLossError(
        absl::StrCat("job ", job_id, ": it has trials but no checkpoint"));
  }
  // Counts are rebuilt from the records.
  *job.status_.mutable_trials() = v1::TrialCounts();
  for (size_t i = 0; i < trials.size(); ++i) {
    v1::TrialRecord& trial = trials[i];
    if (trial.index() != static_cast<int64_t>(i)) {
      return absl::DataLossError(absl::StrCat("job ", job_id, ": trial ", i,
                                              " is missing from the store"));
    }
    job.trials_.push_back(trial);
    v1::TrialRecord& kept = job.trials_.back();
    v1::TrialCounts& counts = *job.status_.mutable_trials();
    if (job.IsExportTrial(kept)) {
      const v1::TrialRecord* source = job.FindTrial(kept.promoted_from());
      job.export_of_[source->index()] = kept.index();
      job.phase_ = Phase::kExport;
      counts.set_exports(counts.exports() + 1);
    } else {
      ++job.search_trials_;
      job.by_genome_rung_[{kept.genome_hash(), kept.rung()}] = kept.index();
      counts.set_total(counts.total() + 1);
    }
    if (!jobspec::IsFinal(kept.state())) {
      kept.set_state(v1::TRIAL_STATE_QUEUED);
      job.queue_.push_back(kept.index());
      job.Dirty(kept);
    }
    job.Count(kept, +1);
    if (kept.state() == v1::TRIAL_STATE_SUCCEEDED && !job.IsExportTrial(kept)) {
      job.Record(kept);
    }
  }
  if (job.final()) job.phase_ = Phase::kDone;
  job.EmitStatus();
  return created;
}

}  // namespace nasprune::controller
