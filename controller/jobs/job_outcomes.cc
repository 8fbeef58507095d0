// How a job applies what becomes of its trials (job.h): progress (and the
// early stopping it may trigger), results and failures, retries, and a
// trial's completion, which the strategy, the fronts and the event stream
// observe.

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/jobspec/states.h"
#include "common/status/evaluation_outcome.h"
#include "common/time/proto_time.h"
#include "controller/jobs/job.h"

namespace nasprune::controller {

Job::Effect Job::Progress(int64_t index, int attempt,
                          const v1::TrialProgress& progress, absl::Time now) {
  Effect effect;
  if (index < 0 || index >= static_cast<int64_t>(trials_.size())) return effect;
  v1::TrialRecord& trial = trials_[index];
  if (trial.state() != v1::TRIAL_STATE_RUNNING || trial.attempts() != attempt) {
    return effect;
  }
  v1::JobEvent event;
  *event.mutable_trial_progress() = progress;
  Emit(std::move(event));
  if (progress.phase() != v1::PHASE_TRAIN || !progress.has_epoch() ||
      IsExportTrial(trial)) {
    return effect;
  }
  std::vector<v1::EpochMetrics>& epochs = curves_[index];
  epochs.push_back(progress.epoch());
  std::vector<double> curve;
  for (const v1::EpochMetrics& epoch : epochs) {
    curve.push_back(epoch.val_accuracy());
  }
  if (!strategy_->ShouldStop(trial.genome_hash(), trial.rung(), curve)) {
    return effect;
  }
  // A partial result: the epochs so far.
  v1::EvaluationResult* partial = trial.mutable_result();
  partial->set_genome_hash(trial.genome_hash());
  partial->set_val_accuracy(curve.back());
  partial->set_val_loss(progress.epoch().val_loss());
  for (const v1::EpochMetrics& epoch : epochs) *partial->add_epochs() = epoch;
  partial->set_worker(trial.worker());
  effect.stop_evaluation = true;
  Complete(trial, v1::TRIAL_STATE_EARLY_STOPPED, now);
  return effect;
}

Job::Effect Job::Finished(int64_t index, int attempt,
                          const absl::StatusOr<v1::EvaluateEvent>& outcome,
                          absl::Time now) {
  Effect effect;
  if (index < 0 || index >= static_cast<int64_t>(trials_.size())) return effect;
  v1::TrialRecord& trial = trials_[index];
  if (trial.state() != v1::TRIAL_STATE_RUNNING || trial.attempts() != attempt) {
    return effect;
  }
  if (outcome.ok() && outcome->has_result()) {
    *trial.mutable_result() = ScoresKeptModel(trial)
                                  ? KeptModelResult(trial, outcome->result())
                                  : outcome->result();
    if (!outcome->result().cache_key().empty()) {
      effect.cache_put.emplace(outcome->result().cache_key(),
                               outcome->result());
    }
    Complete(trial, v1::TRIAL_STATE_SUCCEEDED, now);
    return effect;
  }
  v1::TrialFailure failure;
  if (outcome.ok() && outcome->has_failure()) {
    failure = outcome->failure();
    if (ScoresKeptModel(trial) &&
        (failure.code() == "NOT_FOUND" || failure.code() == "DATA_LOSS")) {
      // The kept model is gone or damaged: forget it, and export by
      // training again, unless the wall budget has passed.
      v1::TrialRecord& source =
          trials_[FindTrial(trial.promoted_from())->index()];
      source.mutable_result()->clear_artifact_sha256();
      Dirty(source);
      if (wall_stopped_) {
        *trial.mutable_failure() = failure;
        Complete(trial, v1::TRIAL_STATE_FAILED, now);
      } else {
        NotRun(index);
      }
      return effect;
    }
  } else {
    // A call that ended without an event: never the genome's fault.
    failure = FailureFromStatus(
        outcome.ok() ? absl::UnavailableError(
                           "the evaluation ended without a result or failure")
                     : outcome.status(),
        trial.worker());
    failure.set_deterministic(false);
  }
  if (ClassifyOutcome(outcome) == EvaluationOutcome::kDeterministicFailure) {
    *trial.mutable_failure() = failure;
    Complete(trial, v1::TRIAL_STATE_FAILED, now);
  } else {
    RetryOrFail(trial, std::move(failure), now);
  }
  return effect;
}

void Job::RetryOrFail(v1::TrialRecord& trial, v1::TrialFailure failure,
                      absl::Time now) {
  if (trial.attempts() < options_.max_attempts) {
    Count(trial, -1);
    trial.set_state(v1::TRIAL_STATE_QUEUED);
    *trial.mutable_failure() = std::move(failure);  // The last reason, kept.
    Count(trial, +1);
    running_.erase(trial.index());
    curves_.erase(trial.index());
    queue_.push_back(trial.index());
    Dirty(trial);
    status_dirty_ = true;
    return;
  }
  failure.set_message(absl::StrCat("failed ", trial.attempts(),
                                   " attempts; the last: ", failure.message()));
  *trial.mutable_failure() = std::move(failure);
  Complete(trial, v1::TRIAL_STATE_FAILED, now);
}

void Job::Complete(v1::TrialRecord& trial, v1::TrialState state,
                   absl::Time now) {
  Count(trial, -1);
  trial.set_state(state);
  if (state != v1::TRIAL_STATE_FAILED) trial.clear_failure();
  *trial.mutable_end_time() = ToProtoTime(now);
  Count(trial, +1);
  running_.erase(trial.index());
  curves_.erase(trial.index());
  Dirty(trial);
  status_dirty_ = true;
  proposals_dry_ = false;

  const bool export_trial = IsExportTrial(trial);
  if (state == v1::TRIAL_STATE_FAILED) {
    last_failure_ = absl::StrCat(trial.trial_id(), ": ", trial.failure().code(),
                                 ": ", trial.failure().message());
  }
  if (!export_trial && state != v1::TRIAL_STATE_CANCELLED) {
    Observation observation{.genome_hash = trial.genome_hash(),
                            .rung = trial.rung(),
                            .state = state};
    if (state != v1::TRIAL_STATE_FAILED) observation.result = trial.result();
    strategy_->Observe(observation);
    RefreshScreening();
    checkpoint_dirty_ = true;
  }
  v1::JobEvent finished;
  *finished.mutable_trial_finished() = trial;
  Emit(std::move(finished));

  if (state != v1::TRIAL_STATE_SUCCEEDED || export_trial) return;
  if (Record(trial)) {
    v1::JobEvent event;
    *event.mutable_pareto_updated() = ParetoFront();
    Emit(std::move(event));
  }
}

}  // namespace nasprune::controller
