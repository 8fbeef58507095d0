#include "controller/jobs/job.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/genome/hash.h"
#include "common/jobspec/cache_key.h"
#include "common/jobspec/states.h"
#include "common/status/evaluation_outcome.h"
#include "common/time/proto_time.h"
#include "controller/search/factory.h"
#include "controller/search/reward.h"

namespace nasprune::controller {
namespace {

std::string ExportCacheKey(const std::string& key, bool test_split) {
  return absl::StrCat(key, test_split ? ":export+test" : ":export");
}

// Scoring a kept model depends on the model and the data alone.
std::string KeptModelCacheKey(const std::string& key, const std::string& sha,
                              bool test_split) {
  return absl::StrCat(key, ":kept:", sha, test_split ? "+test" : "");
}

// Training that starts from a kept model depends on that model.
std::string InheritCacheKey(const std::string& key, const std::string& sha) {
  return absl::StrCat(key, ":inherit:", sha);
}

}  // namespace

Job::Job(v1::JobStatus status, std::unique_ptr<SearchStrategy> strategy,
         std::vector<JobParetoFront> fronts, Options options,
         int64_t first_sequence)
    : options_(options),
      status_(std::move(status)),
      strategy_(std::move(strategy)),
      fronts_(std::move(fronts)),
      top_rung_(static_cast<int>(fronts_.size()) - 1),
      key_part_(jobspec::JobKeyPart(status_.spec().recipe(),
                                    status_.spec().dataset())),
      events_(options.max_retained_events, first_sequence) {
  // Rebuilt from the trials (Record), also after a restore.
  status_.clear_rungs();
  UpdateFront();  // Empty, with the objectives and reference point.
  const std::vector<v1::Fidelity> rungs = RungFidelities(status_.spec());
  for (size_t r = 0; r < rungs.size(); ++r) {
    v1::RungSummary* rung = status_.add_rungs();
    rung->set_rung(static_cast<int32_t>(r));
    *rung->mutable_fidelity() = rungs[r];
  }
  status_.clear_screening();
  RefreshScreening();
}

void Job::RefreshScreening() {
  if (std::optional<v1::ScreeningReport> record =
          strategy_->ScreeningRecord()) {
    *status_.mutable_screening() = *std::move(record);
  }
}

absl::StatusOr<std::unique_ptr<Job>> Job::Create(v1::JobStatus status,
                                                 Options options) {
  absl::StatusOr<std::unique_ptr<Job>> job =
      Build(std::move(status), options, /*first_sequence=*/1);
  if (job.ok()) (*job)->EmitStatus();
  return job;
}

absl::StatusOr<std::unique_ptr<Job>> Job::Build(v1::JobStatus status,
                                                Options options,
                                                int64_t first_sequence) {
  absl::StatusOr<std::unique_ptr<SearchStrategy>> strategy =
      CreateStrategy(status.spec());
  if (!strategy.ok()) return strategy.status();
  const v1::JobSpec& spec = status.spec();
  std::vector<JobParetoFront> fronts;
  for (size_t r = 0; r < RungFidelities(spec).size(); ++r) {
    absl::StatusOr<JobParetoFront> front = JobParetoFront::Create(
        {.objectives = {spec.objectives().begin(), spec.objectives().end()},
         .constraints = spec.constraints(),
         .rung = static_cast<int>(r)});
    if (!front.ok()) return front.status();
    fronts.push_back(*std::move(front));
  }
  options.max_attempts = std::max(1, options.max_attempts);
  return std::unique_ptr<Job>(new Job(std::move(status), *std::move(strategy),
                                      std::move(fronts), options,
                                      first_sequence));
}

bool Job::final() const { return jobspec::IsFinal(status_.state()); }

std::optional<TrialRef> ParseTrialId(const std::string& trial_id) {
  const size_t slash = trial_id.rfind('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  const std::string digits = trial_id.substr(slash + 1);
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return TrialRef{.job_id = trial_id.substr(0, slash),
                  .index = std::stoll(digits)};
}

const v1::TrialRecord* Job::FindTrial(const std::string& trial_id) const {
  std::optional<TrialRef> ref = ParseTrialId(trial_id);
  if (!ref.has_value() || ref->job_id != id() ||
      ref->index >= static_cast<int64_t>(trials_.size())) {
    return nullptr;
  }
  return &trials_[ref->index];
}

bool Job::IsExportTrial(const v1::TrialRecord& trial) const {
  if (trial.promoted_from().empty()) return false;
  const v1::TrialRecord* source = FindTrial(trial.promoted_from());
  return source != nullptr && source->rung() == trial.rung();
}

void Job::Start(absl::Time now) {
  if (status_.state() != v1::JOB_STATE_PENDING) return;
  *status_.mutable_start_time() = ToProtoTime(now);
  SetState(v1::JOB_STATE_RUNNING, "", now);
}

bool Job::WantsSlot(int taken) const {
  if (status_.state() != v1::JOB_STATE_RUNNING || phase_ == Phase::kDone) {
    return false;
  }
  const int max_parallel = status_.spec().max_parallel();
  if (max_parallel > 0 && running() + taken >= max_parallel) return false;
  if (!queue_.empty()) return true;
  return phase_ == Phase::kSearch && !proposals_dry_ &&
         search_trials_ < status_.spec().budget().max_trials();
}

int64_t Job::AddTrial(const Proposal& proposal,
                      const std::string& promoted_from, absl::Time now) {
  v1::TrialRecord trial;
  const int64_t index = static_cast<int64_t>(trials_.size());
  trial.set_trial_id(absl::StrCat(id(), "/", index));
  trial.set_job_id(id());
  trial.set_index(index);
  *trial.mutable_genome() = proposal.genome;
  trial.set_genome_hash(proposal.genome_hash);
  *trial.mutable_fidelity() = proposal.fidelity;
  trial.set_state(v1::TRIAL_STATE_QUEUED);
  trial.set_rung(proposal.rung);
  trial.set_promoted_from(promoted_from);
  SetLineage(proposal, &trial);
  *trial.mutable_create_time() = ToProtoTime(now);
  trials_.push_back(std::move(trial));
  v1::TrialCounts& counts = *status_.mutable_trials();
  if (IsExportTrial(trials_.back())) {
    counts.set_exports(counts.exports() + 1);
  } else {
    counts.set_total(counts.total() + 1);
  }
  queue_.push_back(index);
  Count(trials_.back(), +1);
  Dirty(trials_.back());
  status_dirty_ = true;
  return index;
}

void Job::SetLineage(const Proposal& proposal, v1::TrialRecord* trial) const {
  if (const v1::TrialRecord* source = FindTrial(trial->promoted_from())) {
    trial->set_parent_trial_id(source->parent_trial_id());
    trial->set_inherit_model_sha256(source->inherit_model_sha256());
    return;
  }
  if (proposal.parent_hash.empty()) return;
  auto found =
      by_genome_rung_.find({proposal.parent_hash, proposal.parent_rung});
  if (found == by_genome_rung_.end()) return;
  const v1::TrialRecord& parent = trials_[found->second];
  trial->set_parent_trial_id(parent.trial_id());
  if (!status_.spec().strategy().inherit_weights()) return;
  if (genome::ArchitectureHash(parent.genome().arch()) ==
      genome::ArchitectureHash(proposal.genome.arch())) {
    // A pruning-only mutation trains what its parent trained, from the same
    // start: the parent store may hold it.
    trial->set_inherit_model_sha256(parent.inherit_model_sha256());
  } else if (parent.state() == v1::TRIAL_STATE_SUCCEEDED &&
             !parent.result().artifact_sha256().empty()) {
    trial->set_inherit_model_sha256(parent.result().artifact_sha256());
  }
}

const v1::TrialRecord* Job::InheritSource(const v1::TrialRecord& trial) const {
  const std::string& sha = trial.inherit_model_sha256();
  if (sha.empty()) return nullptr;
  const v1::TrialRecord* t = FindTrial(trial.parent_trial_id());
  while (t != nullptr && t->result().artifact_sha256() != sha) {
    t = FindTrial(t->parent_trial_id());
  }
  return t;
}

int Job::ProposeTrials(int count, absl::Time now) {
  const int64_t left = status_.spec().budget().max_trials() - search_trials_;
  count = static_cast<int>(std::min<int64_t>(count, left));
  if (count <= 0) return 0;
  const DrawCounts before = strategy_->Draws();
  std::vector<Proposal> proposals = strategy_->Propose(count);
  CountDraws(before, strategy_->Draws());
  checkpoint_dirty_ = true;
  if (proposals.empty()) proposals_dry_ = true;
  for (const Proposal& proposal : proposals) {
    std::string promoted_from;
    if (proposal.rung > 0) {
      auto lower =
          by_genome_rung_.find({proposal.genome_hash, proposal.rung - 1});
      if (lower != by_genome_rung_.end()) {
        promoted_from = trials_[lower->second].trial_id();
      }
    }
    const int64_t index = AddTrial(proposal, promoted_from, now);
    by_genome_rung_[{proposal.genome_hash, proposal.rung}] = index;
    ++search_trials_;
  }
  return static_cast<int>(proposals.size());
}

void Job::CountDraws(const DrawCounts& before, const DrawCounts& after) {
  ControllerMetrics* m = options_.metrics;
  if (m == nullptr) return;
  const std::string kind = jobspec::StrategyLabel(status_.spec().strategy());
  // Deltas of one Propose call: a restored strategy's earlier counts were
  // counted by the process that made them.
  auto add = [](metrics::Counter& counter, int64_t delta) {
    if (delta > 0) counter.Increment(static_cast<double>(delta));
  };
  add(m->strategy_proposals.Labels({kind}), after.proposed - before.proposed);
  add(m->strategy_rejected_draws.Labels({kind, "infeasible"}),
      after.infeasible - before.infeasible);
  add(m->strategy_rejected_draws.Labels({kind, "duplicate"}),
      after.duplicate - before.duplicate);
}

std::optional<int64_t> Job::NextTrial(int batch, absl::Time now, int taken) {
  if (!WantsSlot(taken)) return std::nullopt;
  if (queue_.empty() && phase_ == Phase::kSearch) {
    int room = std::max(1, batch);
    const int max_parallel = status_.spec().max_parallel();
    if (max_parallel > 0) {
      room = std::min(room, max_parallel - running() - taken);
    }
    ProposeTrials(room, now);
  }
  if (queue_.empty()) return std::nullopt;
  const int64_t index = queue_.front();
  queue_.pop_front();
  return index;
}

void Job::Requeue(int64_t index) { queue_.push_front(index); }

void Job::NotRun(int64_t index) {
  v1::TrialRecord& trial = trials_[index];
  if (trial.state() != v1::TRIAL_STATE_RUNNING) return;
  Count(trial, -1);
  trial.set_state(v1::TRIAL_STATE_QUEUED);
  trial.set_attempts(trial.attempts() - 1);
  trial.clear_start_time();
  Count(trial, +1);
  running_.erase(index);
  curves_.erase(index);
  queue_.push_front(index);
  Dirty(trial);
  status_dirty_ = true;
}

v1::EvaluateRequest Job::Request(int64_t index,
                                 const std::string& evaluator_version) const {
  const v1::TrialRecord& trial = trials_[index];
  const v1::JobSpec& spec = status_.spec();
  v1::EvaluateRequest request;
  request.set_trial_id(trial.trial_id());
  request.set_attempt(trial.attempts() + 1);
  *request.mutable_genome() = trial.genome();
  *request.mutable_recipe() = spec.recipe();
  *request.mutable_dataset() = spec.dataset();
  *request.mutable_fidelity() = trial.fidelity();
  request.set_seed(spec.seed());
  std::string key = jobspec::EvaluationCacheKey(
      trial.genome_hash().empty() ? genome::GenomeHash(trial.genome())
                                  : trial.genome_hash(),
      key_part_, trial.fidelity(), evaluator_version);
  if (!trial.inherit_model_sha256().empty()) {
    request.set_inherit_model_sha256(trial.inherit_model_sha256());
    if (const v1::TrialRecord* source = InheritSource(trial)) {
      *request.mutable_inherit_genome() = source->genome();
    }
    key = InheritCacheKey(key, trial.inherit_model_sha256());
  }
  if (ScoresKeptModel(trial)) {
    const bool test = spec.export_().evaluate_test_split();
    const std::string& sha =
        FindTrial(trial.promoted_from())->result().artifact_sha256();
    request.set_score_model_sha256(sha);
    request.set_evaluate_test_split(test);
    key = KeptModelCacheKey(key, sha, test);
  } else if (IsExportTrial(trial)) {
    const bool test = spec.export_().evaluate_test_split();
    request.set_export_model(true);
    request.set_evaluate_test_split(test);
    key = ExportCacheKey(key, test);
  } else {
    request.set_keep_model(KeepsModels());
  }
  request.set_cache_key(key);
  return request;
}

int Job::Dispatched(int64_t index, const std::string& worker, absl::Time now) {
  v1::TrialRecord& trial = trials_[index];
  Count(trial, -1);
  trial.set_state(v1::TRIAL_STATE_RUNNING);
  trial.set_attempts(trial.attempts() + 1);
  trial.set_worker(worker);
  *trial.mutable_start_time() = ToProtoTime(now);
  Count(trial, +1);
  running_.insert(index);
  curves_.erase(index);
  Dirty(trial);
  status_dirty_ = true;
  v1::JobEvent event;
  *event.mutable_trial_started() = trial;
  Emit(std::move(event));
  return trial.attempts();
}

void Job::AnsweredFromCache(int64_t index, const v1::EvaluationResult& result,
                            absl::Time now) {
  v1::TrialRecord& trial = trials_[index];
  Count(trial, -1);
  trial.set_cache_hit(true);
  *trial.mutable_start_time() = ToProtoTime(now);
  *trial.mutable_result() =
      ScoresKeptModel(trial) ? KeptModelResult(trial, result) : result;
  if (!KeepsModels() && !IsExportTrial(trial)) {
    // Another job's kept model: this one keeps none.
    trial.mutable_result()->clear_artifact_sha256();
  }
  Count(trial, +1);
  v1::JobEvent event;
  *event.mutable_trial_started() = trial;
  Emit(std::move(event));
  Complete(trial, v1::TRIAL_STATE_SUCCEEDED, now);
}

void Job::Count(const v1::TrialRecord& trial, int sign) {
  v1::TrialCounts& c = *status_.mutable_trials();
  if (IsExportTrial(trial)) {
    if (trial.state() == v1::TRIAL_STATE_SUCCEEDED &&
        !trial.result().artifact_sha256().empty()) {
      c.set_exported(c.exported() + sign);
    }
    return;
  }
  switch (trial.state()) {
    case v1::TRIAL_STATE_RUNNING:
      c.set_running(c.running() + sign);
      break;
    case v1::TRIAL_STATE_SUCCEEDED:
      c.set_succeeded(c.succeeded() + sign);
      if (trial.cache_hit()) c.set_cache_hits(c.cache_hits() + sign);
      if (MeasuredViolation(status_.spec().constraints(), trial.result()) > 0) {
        c.set_infeasible(c.infeasible() + sign);
      }
      break;
    case v1::TRIAL_STATE_FAILED:
      c.set_failed(c.failed() + sign);
      break;
    case v1::TRIAL_STATE_EARLY_STOPPED:
      c.set_early_stopped(c.early_stopped() + sign);
      break;
    default:
      break;
  }
}

int64_t Job::MaxFailedTrials() const {
  const v1::Budget& budget = status_.spec().budget();
  return budget.max_failed_trials() > 0 ? budget.max_failed_trials()
                                        : budget.max_trials();
}

std::vector<int64_t> Job::Advance(absl::Time now) {
  if (status_.state() != v1::JOB_STATE_RUNNING) return {};
  const v1::JobSpec& spec = status_.spec();
  if (status_.trials().failed() >= MaxFailedTrials()) {
    return End(v1::JOB_STATE_FAILED,
               absl::StrCat(status_.trials().failed(),
                            " trials failed (budget.max_failed_trials is ",
                            MaxFailedTrials(), "); the last: ", last_failure_),
               now);
  }
  const bool wall_passed = spec.budget().max_wall_seconds() > 0 &&
                           now - FromProtoTime(status_.start_time()) >=
                               absl::Seconds(spec.budget().max_wall_seconds());
  std::vector<int64_t> cancelled;
  if (wall_passed && !wall_stopped_) {
    // The search ends now; exports score kept models only (seconds each),
    // and an export that would train again is dropped.
    wall_stopped_ = true;
    auto drop = [&](int64_t index) {
      const v1::TrialRecord& trial = trials_[index];
      return !IsExportTrial(trial) || !ScoresKeptModel(trial);
    };
    for (int64_t index :
         std::vector<int64_t>(running_.begin(), running_.end())) {
      if (!drop(index)) continue;
      cancelled.push_back(index);
      Complete(trials_[index], v1::TRIAL_STATE_CANCELLED, now);
    }
    std::deque<int64_t> kept;
    for (int64_t index : queue_) {
      if (drop(index)) {
        Complete(trials_[index], v1::TRIAL_STATE_CANCELLED, now);
      } else {
        kept.push_back(index);
      }
    }
    queue_ = std::move(kept);
    if (phase_ == Phase::kSearch) StartExports(/*kept_only=*/true, now);
  }
  if (!queue_.empty() || !running_.empty()) return cancelled;
  if (phase_ == Phase::kSearch) {
    // With nothing in flight, a strategy that proposes nothing now never
    // will: the search is over.
    if (search_trials_ < spec.budget().max_trials() &&
        ProposeTrials(1, now) > 0) {
      return cancelled;
    }
    if (StartExports(/*kept_only=*/false, now) > 0) return cancelled;
  }
  if (phase_ == Phase::kExport) {
    phase_ = Phase::kDone;
    const v1::TrialCounts& c = status_.trials();
    if (c.succeeded() == 0 && c.early_stopped() == 0) {
      // Nothing was learned: a job that scored no model did not succeed,
      // even under budget.max_failed_trials.
      SetState(v1::JOB_STATE_FAILED,
               absl::StrCat(
                   "no trial succeeded (", c.total(), " trials, ", c.failed(),
                   " failed",
                   wall_stopped_ ? "; stopped at budget.max_wall_seconds" : "",
                   ")", last_failure_.empty() ? "" : "; the last failure: ",
                   last_failure_),
               now);
      return cancelled;
    }
    SetState(v1::JOB_STATE_SUCCEEDED,
             absl::StrCat(
                 wall_stopped_
                     ? absl::StrCat("stopped at budget.max_wall_seconds (",
                                    spec.budget().max_wall_seconds(), " s); ")
                     : "",
                 c.total(), " trials: ", c.succeeded(), " succeeded (",
                 c.cache_hits(), " from the cache), ", c.failed(), " failed, ",
                 c.early_stopped(), " stopped early; ", c.exported(),
                 " models exported"),
             now);
  }
  return cancelled;
}

std::vector<int64_t> Job::End(v1::JobState state, const std::string& message,
                              absl::Time now) {
  if (final()) return {};
  std::vector<int64_t> cancelled(running_.begin(), running_.end());
  for (int64_t index : cancelled) {
    Complete(trials_[index], v1::TRIAL_STATE_CANCELLED, now);
  }
  while (!queue_.empty()) {
    const int64_t index = queue_.front();
    queue_.pop_front();
    Complete(trials_[index], v1::TRIAL_STATE_CANCELLED, now);
  }
  phase_ = Phase::kDone;
  if (status_.start_time().seconds() == 0) {
    *status_.mutable_start_time() = ToProtoTime(now);
  }
  SetState(state, message, now);
  return cancelled;
}

void Job::SetState(v1::JobState state, const std::string& message,
                   absl::Time now) {
  status_.set_state(state);
  status_.set_message(message);
  if (final()) *status_.mutable_end_time() = ToProtoTime(now);
  status_dirty_ = true;
  EmitStatus();
}

void Job::Emit(v1::JobEvent event) {
  status_.set_last_sequence(events_.Append(std::move(event)));
}

void Job::EmitStatus() {
  // The status it carries names its own event as the latest.
  status_.set_last_sequence(events_.last_sequence() + 1);
  v1::JobEvent event;
  *event.mutable_status() = status_;
  Emit(std::move(event));
}

std::optional<JobUpdate> Job::TakeUpdate() {
  if (!unwritten()) return std::nullopt;
  JobUpdate update;
  update.job = status_;
  for (int64_t index : dirty_trials_) update.trials.push_back(trials_[index]);
  if (checkpoint_dirty_ || !dirty_trials_.empty()) {
    update.checkpoint = strategy_->Save();
  }
  status_dirty_ = checkpoint_dirty_ = false;
  dirty_trials_.clear();
  return update;
}

void Job::UntakeUpdate(const JobUpdate& update) {
  status_dirty_ = true;
  checkpoint_dirty_ = checkpoint_dirty_ || update.checkpoint.has_value();
  for (const v1::TrialRecord& trial : update.trials) {
    dirty_trials_.insert(trial.index());
  }
}

}  // namespace nasprune::controller
