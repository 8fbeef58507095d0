#include "controller/jobs/job_manager.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "common/canonical/canonical.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/state_names.h"
#include "common/status/field_errors.h"
#include "common/time/proto_time.h"

namespace nasprune::controller {
namespace {

using jobspec::JobStateLabel;
using jobspec::TrialStateLabel;

// The `states` filter of a list request: each a known state other than
// UNSPECIFIED.
template <typename Enum>
absl::StatusOr<std::set<int>> StateFilter(
    const google::protobuf::RepeatedField<int>& states, bool (*is_valid)(int)) {
  std::set<int> filter;
  for (int i = 0; i < states.size(); ++i) {
    if (states[i] == 0 || !is_valid(states[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "states[", i, "]: ", states[i], " is not a ",
          std::is_same_v<Enum, v1::JobState> ? "job" : "trial", " state"));
    }
    filter.insert(states[i]);
  }
  return filter;
}

// Reads a page token: a non-negative offset written by an earlier response.
absl::StatusOr<int64_t> ParsePageToken(const std::string& token) {
  if (token.empty()) return 0;
  int64_t offset = 0;
  if (!absl::SimpleAtoi(token, &offset) || offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: \"", token, "\" is not a token from an earlier page"));
  }
  return offset;
}

absl::Status RequireJobId(const std::string& job_id) {
  if (job_id.empty()) {
    return absl::InvalidArgumentError("job_id: required");
  }
  return absl::OkStatus();
}

// "<job_id>/<index>" → job id.
}  // namespace

JobManager::JobManager(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<JobManager>> JobManager::Create(
    Options options) {
  if (options.store == nullptr || options.pool == nullptr ||
      options.client == nullptr) {
    return absl::InvalidArgumentError(
        "JobManager needs a store, a worker pool and an evaluation client");
  }
  auto manager = std::unique_ptr<JobManager>(new JobManager(options));
  absl::StatusOr<std::vector<v1::JobStatus>> jobs = options.store->ListJobs();
  if (!jobs.ok()) return jobs.status();
  const Job::Options job_options{
      .max_attempts = options.max_attempts,
      .max_retained_events = options.max_retained_events};
  absl::MutexLock lock(&manager->mu_);
  for (v1::JobStatus& status : *jobs) {
    const std::string id = status.job_id();
    absl::StatusOr<std::vector<v1::TrialRecord>> trials =
        options.store->ListTrials(id);
    if (!trials.ok()) return trials.status();
    absl::StatusOr<std::optional<v1::StrategyState>> checkpoint =
        options.store->GetCheckpoint(id);
    if (!checkpoint.ok()) return checkpoint.status();
    absl::StatusOr<std::unique_ptr<Job>> job =
        Job::Restore(std::move(status), *std::move(trials),
                     *std::move(checkpoint), job_options, manager->Now());
    if (!job.ok()) {
      std::cerr << "controller: skipping job " << id << ": "
                << job.status().message() << "\n";
      continue;
    }
    manager->job_order_.push_back(job->get());
    manager->jobs_[id] = *std::move(job);
  }
  return manager;
}

JobManager::~JobManager() { Stop(); }

void JobManager::Start() {
  absl::MutexLock lock(&inbox_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  stopped_ = false;
  writer_.Start();
  thread_ = std::thread([this] { Loop(); });
}

void JobManager::Stop() {
  {
    absl::MutexLock lock(&inbox_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  for (auto& [trial_id, running] : running_) running.evaluation->Cancel();
  // The client's callbacks reach this object: wait until the last has run.
  {
    absl::MutexLock lock(&inbox_mu_);
    auto quiet = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(inbox_mu_) {
      return outstanding_ == 0;
    };
    inbox_mu_.AwaitWithTimeout(absl::Condition(&quiet), absl::Seconds(30));
  }
  // What arrived after the last round: results and cancellations are
  // applied, and written below. Calls that the stop ended stay running, to
  // be queued again by the next controller (they are not the trials' fault).
  std::vector<Message> late;
  {
    absl::MutexLock lock(&inbox_mu_);
    late.swap(inbox_);
    stopped_ = true;
  }
  for (Message& message : late) {
    if (auto* outcome = std::get_if<Outcome>(&message)) {
      if (outcome->outcome.ok()) ApplyOutcome(*outcome);
    } else if (auto* cancel = std::get_if<CancelCommand>(&message)) {
      Apply(message);
      waiting_cancels_.push_back(std::move(*cancel));
    }
  }
  running_.clear();
  writer_.Stop();
  CollectWrite();
  // What the last rounds changed, written here; the rest resumes later.
  store_retry_at_ = absl::InfinitePast();
  StartWrite(/*force=*/true);
  CollectWrite();
}

bool JobManager::store_healthy() const { return store_healthy_.load(); }

void JobManager::Post(Message message) {
  absl::MutexLock lock(&inbox_mu_);
  inbox_.push_back(std::move(message));
}

void JobManager::OnWorkerLost(const WorkerPool::Lost& lost) { Post(lost); }

Job* JobManager::FindJob(const std::string& job_id) {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

absl::StatusOr<Job*> JobManager::RequireJob(const std::string& job_id) {
  if (absl::Status s = RequireJobId(job_id); !s.ok()) return s;
  Job* job = FindJob(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("job_id: no job \"", job_id, "\""));
  }
  return job;
}

// ---------------------------------------------------------------------------
// The API.

absl::StatusOr<v1::JobStatus> JobManager::Submit(
    const v1::SubmitJobRequest& request) {
  if (request.request_id().size() > 128) {
    return absl::InvalidArgumentError(
        absl::StrCat("request_id: ", request.request_id().size(),
                     " characters, above the maximum 128"));
  }
  if (!request.has_spec()) {
    return absl::InvalidArgumentError("spec: required");
  }
  absl::StatusOr<v1::JobSpec> spec = jobspec::PrepareJobSpec(request.spec());
  if (!spec.ok()) return spec.status();
  v1::JobStatus status;
  *status.mutable_spec() = *std::move(spec);
  status.set_state(v1::JOB_STATE_PENDING);
  *status.mutable_create_time() = ToProtoTime(Now());
  const Job::Options job_options{
      .max_attempts = options_.max_attempts,
      .max_retained_events = options_.max_retained_events};
  // Builds the strategy: a spec it cannot use is rejected here.
  if (absl::StatusOr<std::unique_ptr<Job>> probe =
          Job::Create(status, job_options);
      !probe.ok()) {
    return probe.status();
  }
  if (request.validate_only()) return status;

  const std::string& name = status.spec().name();
  std::string id;
  if (!request.request_id().empty()) {
    id = absl::StrCat(
        name, "-",
        Hash128Hex("request-id", request.request_id()).substr(0, 12));
    absl::MutexLock lock(&mu_);
    if (Job* existing = FindJob(id)) return existing->status();
  }
  for (int tries = 0;; ++tries) {
    if (request.request_id().empty()) {
      std::random_device device;
      id = absl::StrFormat("%s-%08x%04x", name, device(), device() & 0xffff);
    }
    status.set_job_id(id);
    const absl::Status created = options_.store->CreateJob(status);
    if (created.ok()) break;
    if (created.code() != absl::StatusCode::kAlreadyExists) {
      if (options_.metrics) options_.metrics->store_errors.Increment();
      return absl::UnavailableError(
          absl::StrCat("the job could not be stored: ", created.message()));
    }
    if (!request.request_id().empty()) {
      // Created by an earlier submit with this request id (perhaps one
      // whose answer was lost): run that one.
      absl::StatusOr<v1::JobStatus> stored = options_.store->GetJob(id);
      if (!stored.ok()) return stored.status();
      status = *std::move(stored);
      break;
    }
    if (tries == 3) {
      return absl::InternalError(
          absl::StrCat("could not find a free job id for ", name));
    }
  }
  absl::StatusOr<std::unique_ptr<Job>> job = Job::Create(status, job_options);
  if (!job.ok()) return job.status();
  const v1::JobStatus created = (*job)->status();
  absl::MutexLock lock(&mu_);
  if (Job* existing = FindJob(id)) return existing->status();  // A race.
  job_order_.push_back(job->get());
  jobs_[id] = *std::move(job);
  Post(Wake{});
  return created;
}

absl::StatusOr<v1::JobStatus> JobManager::GetJob(
    const v1::GetJobRequest& request) {
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = RequireJob(request.job_id());
  if (!job.ok()) return job.status();
  return (*job)->status();
}

absl::StatusOr<v1::ListJobsResponse> JobManager::ListJobs(
    const v1::ListJobsRequest& request) {
  FieldErrors errors;
  errors.CheckRange("page_size", request.page_size(), 0, 1000);
  if (absl::Status s = errors.ToStatus(); !s.ok()) return s;
  absl::StatusOr<int64_t> offset = ParsePageToken(request.page_token());
  if (!offset.ok()) return offset.status();
  const int page_size = request.page_size() > 0 ? request.page_size() : 100;
  absl::StatusOr<std::set<int>> filter =
      StateFilter<v1::JobState>(request.states(), v1::JobState_IsValid);
  if (!filter.ok()) return filter.status();
  const std::set<int>& states = *filter;
  v1::ListJobsResponse response;
  absl::ReaderMutexLock lock(&mu_);
  int64_t seen = 0;
  for (auto it = job_order_.rbegin(); it != job_order_.rend(); ++it) {
    const v1::JobStatus& status = (*it)->status();
    if (!states.empty() && !states.contains(status.state())) continue;
    if (seen++ < *offset) continue;
    if (response.jobs_size() == page_size) {
      response.set_next_page_token(absl::StrCat(*offset + page_size));
      break;
    }
    *response.add_jobs() = status;
  }
  return response;
}

void JobManager::CancelJob(
    const v1::CancelJobRequest& request,
    std::function<void(absl::StatusOr<v1::JobStatus>)> done) {
  if (absl::Status s = RequireJobId(request.job_id()); !s.ok()) {
    return done(s);
  }
  if (request.reason().size() > 1024) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("reason: ", request.reason().size(),
                     " characters, above the maximum 1024")));
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    absl::StatusOr<Job*> job = RequireJob(request.job_id());
    if (!job.ok()) return done(job.status());
    if ((*job)->final()) return done((*job)->status());
  }
  // The scheduler applies it and writes it before answering.
  {
    absl::MutexLock lock(&inbox_mu_);
    if (!stopped_) {
      inbox_.push_back(CancelCommand{.job_id = request.job_id(),
                                     .reason = request.reason(),
                                     .done = std::move(done)});
      return;
    }
  }
  done(absl::UnavailableError(
      "the controller is stopping; cancel again once it is back"));
}

absl::StatusOr<v1::JobStatus> JobManager::CancelJob(
    const v1::CancelJobRequest& request) {
  auto answer =
      std::make_shared<std::optional<absl::StatusOr<v1::JobStatus>>>();
  auto answered = std::make_shared<absl::Notification>();
  CancelJob(request, [answer, answered](absl::StatusOr<v1::JobStatus> result) {
    *answer = std::move(result);
    answered->Notify();
  });
  answered->WaitForNotification();
  return **answer;
}

absl::StatusOr<v1::ListTrialsResponse> JobManager::ListTrials(
    const v1::ListTrialsRequest& request) {
  if (absl::Status s = RequireJobId(request.job_id()); !s.ok()) return s;
  FieldErrors errors;
  errors.CheckRange("page_size", request.page_size(), 0, 10000);
  if (absl::Status s = errors.ToStatus(); !s.ok()) return s;
  absl::StatusOr<int64_t> from = ParsePageToken(request.page_token());
  if (!from.ok()) return from.status();
  const int page_size = request.page_size() > 0 ? request.page_size() : 500;
  absl::StatusOr<std::set<int>> filter =
      StateFilter<v1::TrialState>(request.states(), v1::TrialState_IsValid);
  if (!filter.ok()) return filter.status();
  const std::set<int>& states = *filter;
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = RequireJob(request.job_id());
  if (!job.ok()) return job.status();
  v1::ListTrialsResponse response;
  const std::vector<v1::TrialRecord>& trials = (*job)->trials();
  for (int64_t i = *from; i < static_cast<int64_t>(trials.size()); ++i) {
    if (!states.empty() && !states.contains(trials[i].state())) continue;
    if (response.trials_size() == page_size) {
      response.set_next_page_token(absl::StrCat(i));
      break;
    }
    *response.add_trials() = trials[i];
  }
  return response;
}

absl::StatusOr<v1::ParetoFront> JobManager::GetParetoFront(
    const v1::GetParetoFrontRequest& request) {
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = RequireJob(request.job_id());
  if (!job.ok()) return job.status();
  return (*job)->ParetoFront();
}

absl::StatusOr<JobManager::ModelFile> JobManager::GetModel(
    const v1::DownloadModelRequest& request) {
  if (request.trial_id().empty()) {
    return absl::InvalidArgumentError("trial_id: required");
  }
  const std::optional<TrialRef> ref = ParseTrialId(request.trial_id());
  if (!ref.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trial_id: \"", request.trial_id(), "\" is not <job_id>/<index>"));
  }
  absl::ReaderMutexLock lock(&mu_);
  Job* job = FindJob(ref->job_id);
  if (job == nullptr || job->FindTrial(request.trial_id()) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("trial_id: no trial \"", request.trial_id(), "\""));
  }
  const v1::TrialRecord* trial = job->ModelTrial(request.trial_id());
  if (trial == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "trial ", request.trial_id(),
        " has no exported model: a job exports the export.top_k most "
        "accurate trials of its Pareto front when its search ends"));
  }
  if (options_.artifact_dir.empty()) {
    return absl::FailedPreconditionError(
        "this controller has no artifact directory (--artifact-dir)");
  }
  ModelFile file{.path = absl::StrCat(options_.artifact_dir, "/",
                                      trial->result().artifact_sha256(), ".pt"),
                 .sha256 = trial->result().artifact_sha256()};
  std::error_code error;
  if (!std::filesystem::is_regular_file(file.path, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the model of trial ", request.trial_id(), " (", file.path,
                     ") is not in the artifact directory"));
  }
  return file;
}

absl::StatusOr<int64_t> JobManager::Subscribe(const std::string& job_id,
                                              std::function<void()> notify) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (absl::StatusOr<Job*> job = RequireJob(job_id); !job.ok()) {
      return job.status();
    }
  }
  absl::MutexLock lock(&subscribers_mu_);
  const int64_t id = next_subscriber_++;
  subscribers_[id] = {.job_id = job_id, .notify = std::move(notify)};
  return id;
}

void JobManager::Unsubscribe(int64_t subscription) {
  absl::MutexLock lock(&subscribers_mu_);
  subscribers_.erase(subscription);
}

absl::StatusOr<JobManager::Events> JobManager::ReadEvents(
    const std::string& job_id, int64_t after_sequence, int max) {
  if (after_sequence < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("after_sequence: ", after_sequence, " is negative"));
  }
  absl::ReaderMutexLock lock(&mu_);
  absl::StatusOr<Job*> job = RequireJob(job_id);
  if (!job.ok()) return job.status();
  Events events;
  events.events = (*job)->EventsAfter(after_sequence, max);
  const int64_t last =
      events.events.empty() ? after_sequence : events.events.back().sequence();
  events.ended = (*job)->final() && last >= (*job)->last_sequence();
  return events;
}

// ---------------------------------------------------------------------------
// The scheduler thread.

void JobManager::Loop() {
  for (;;) {
    std::vector<Message> messages;
    {
      absl::MutexLock lock(&inbox_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(inbox_mu_) {
        return stopping_ || !inbox_.empty();
      };
      inbox_mu_.AwaitWithTimeout(absl::Condition(&ready),
                                 absl::FromChrono(options_.tick));
      if (stopping_) return;
      messages.swap(inbox_);
    }
    Round(messages);
  }
}

void JobManager::Step() {
  std::vector<Message> messages;
  {
    absl::MutexLock lock(&inbox_mu_);
    messages.swap(inbox_);
  }
  Round(messages);
}

void JobManager::Round(std::vector<Message>& messages) {
  for (Message& message : messages) {
    Apply(message);
    if (auto* cancel = std::get_if<CancelCommand>(&message)) {
      waiting_cancels_.push_back(std::move(*cancel));  // Answered once written.
    }
  }
  CollectWrite();
  for (const WorkerPool::Lost& lost : options_.pool->Expire()) {
    ApplyLost(lost);
  }
  AdvanceJobs();
  Dispatch();
  AdvanceJobs();  // Jobs whose last trials came from the cache.
  StartWrite(/*force=*/!waiting_cancels_.empty());
  CollectWrite();  // Already written when the writer's thread is not running.
  NotifyWatchers();
  UpdateGauges();
}

void JobManager::UpdateGauges() {
  ControllerMetrics* m = options_.metrics;
  if (m == nullptr) return;
  // Walking every job and worker is not for every round.
  const absl::Time now = Now();
  if (now - last_gauges_ < absl::FromChrono(options_.commit_interval)) return;
  last_gauges_ = now;
  int queued = 0;
  std::map<v1::JobState, int> by_state;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const Job* job : job_order_) {
      queued += job->queued();
      ++by_state[job->status().state()];
      if (!job->status().best_trial_id().empty()) {
        m->best_accuracy.Labels({job->id()}).Set(job->status().best_accuracy());
      }
    }
  }
  m->queue_depth.Set(queued);
  for (v1::JobState state :
       {v1::JOB_STATE_PENDING, v1::JOB_STATE_RUNNING, v1::JOB_STATE_SUCCEEDED,
        v1::JOB_STATE_FAILED, v1::JOB_STATE_CANCELLED}) {
    m->jobs.Labels({JobStateLabel(state)}).Set(by_state[state]);
  }
  int in_rotation = 0;
  const std::vector<std::string> workers = options_.pool->Workers();
  for (const std::string& worker : workers) {
    in_rotation += options_.pool->InRotation(worker);
  }
  m->workers.Labels({"in_rotation"}).Set(in_rotation);
  m->workers.Labels({"out_of_rotation"})
      .Set(static_cast<double>(workers.size()) - in_rotation);
  const int free = options_.pool->free_slots();
  m->worker_slots.Labels({"free"}).Set(free);
  m->worker_slots.Labels({"busy"}).Set(options_.pool->total_slots() - free);
}

void JobManager::Apply(Message& message) {
  if (auto* outcome = std::get_if<Outcome>(&message)) {
    ApplyOutcome(*outcome);
  } else if (auto* progress = std::get_if<ProgressEvent>(&message)) {
    auto it = running_.find(progress->trial_id);
    if (it == running_.end() || it->second.attempt != progress->attempt) return;
    Job::Effect effect;
    {
      absl::MutexLock lock(&mu_);
      Job* job = FindJob(it->second.job_id);
      effect = job->Progress(it->second.index, progress->attempt,
                             progress->progress, Now());
    }
    if (effect.stop_evaluation) {
      if (options_.metrics) {
        options_.metrics->trials.Labels({"early_stopped"}).Increment();
      }
      ForgetRunning(progress->trial_id, WorkerPool::Outcome::kNotRun);
    }
  } else if (auto* lost = std::get_if<WorkerPool::Lost>(&message)) {
    ApplyLost(*lost);
  } else if (auto* cancel = std::get_if<CancelCommand>(&message)) {
    std::vector<int64_t> stopped;  // A Wake needs nothing more.
    absl::MutexLock lock(&mu_);
    Job* job = FindJob(cancel->job_id);
    if (job == nullptr) return;
    stopped =
        job->End(v1::JOB_STATE_CANCELLED,
                 cancel->reason.empty() ? "cancelled" : cancel->reason, Now());
    StopTrials(*job, stopped);
  }
}

void JobManager::ApplyOutcome(Outcome& outcome) {
  auto it = running_.find(outcome.trial_id);
  if (it == running_.end() || it->second.attempt != outcome.attempt) return;
  const Running running = std::move(it->second);
  running_.erase(it);
  WorkerPool::Outcome pool_outcome = WorkerPool::Outcome::kRetryableFailure;
  if (outcome.outcome.ok() && outcome.outcome->has_result()) {
    pool_outcome = WorkerPool::Outcome::kSucceeded;
  } else if (outcome.outcome.ok() && outcome.outcome->has_failure() &&
             outcome.outcome->failure().deterministic()) {
    pool_outcome = WorkerPool::Outcome::kSucceeded;  // The genome's fault.
  } else if (outcome.outcome.status().code() ==
             absl::StatusCode::kResourceExhausted) {
    pool_outcome = WorkerPool::Outcome::kNotRun;  // The worker was busy.
  }
  options_.pool->Release(outcome.trial_id, pool_outcome);
  // A broken stream means a lost worker (DESIGN §6): that registration
  // gets nothing more (the worker registers again if it is alive), and its
  // other trials are queued again. Calls wait for a connection, so
  // UNAVAILABLE is a stream that broke, not a worker still starting.
  std::optional<WorkerPool::Lost> lost;
  if (outcome.from_stream && !outcome.outcome.ok() &&
      outcome.outcome.status().code() == absl::StatusCode::kUnavailable) {
    lost = options_.pool->Remove(running.worker, running.lease_id);
  }
  Job::Effect effect;
  v1::TrialState after = v1::TRIAL_STATE_UNSPECIFIED;
  {
    absl::MutexLock lock(&mu_);
    Job* job = FindJob(running.job_id);
    effect =
        job->Finished(running.index, outcome.attempt, outcome.outcome, Now());
    after = job->trials()[running.index].state();
  }
  if (effect.cache_put.has_value()) {
    unstored_results_[effect.cache_put->first] = effect.cache_put->second;
    cache_puts_.push_back(*std::move(effect.cache_put));
  }
  if (pool_outcome != WorkerPool::Outcome::kSucceeded) {
    const absl::Status error =
        outcome.outcome.ok()
            ? absl::Status(absl::StatusCode::kInternal,
                           absl::StrCat(outcome.outcome->failure().code(), ": ",
                                        outcome.outcome->failure().message()))
            : outcome.outcome.status();
    std::cerr << "controller: trial " << outcome.trial_id << " attempt "
              << outcome.attempt << " failed on " << running.worker << ": "
              << error.message() << "; "
              << (after == v1::TRIAL_STATE_QUEUED ? "queued again"
                                                  : "not retried")
              << "\n";
  }
  if (ControllerMetrics* m = options_.metrics) {
    if (after == v1::TRIAL_STATE_QUEUED) {
      m->trial_retries.Increment();
    } else {
      m->trials.Labels({TrialStateLabel(after)}).Increment();
    }
    m->trial_duration_seconds.Observe(
        absl::ToDoubleSeconds(Now() - running.dispatched));
  }
  if (after == v1::TRIAL_STATE_QUEUED) {
    failed_on_[outcome.trial_id].insert(running.worker);
  } else {
    failed_on_.erase(outcome.trial_id);
  }
  if (lost.has_value()) ApplyLost(*lost);
}

void JobManager::ApplyLost(const WorkerPool::Lost& lost) {
  if (options_.metrics) options_.metrics->worker_losses.Increment();
  for (const std::string& trial_id : lost.trial_ids) {
    auto it = running_.find(trial_id);
    if (it == running_.end()) continue;
    it->second.evaluation->Cancel();
    Outcome outcome{.trial_id = trial_id,
                    .attempt = it->second.attempt,
                    .outcome = absl::UnavailableError(absl::StrCat(
                        "worker ", lost.worker,
                        " was lost (missed heartbeats, a broken stream, or "
                        "it registered again)")),
                    .from_stream = false};
    ApplyOutcome(outcome);
  }
}

void JobManager::StopTrials(Job& job, const std::vector<int64_t>& indices) {
  for (int64_t index : indices) {
    const std::string& trial_id = job.trials()[index].trial_id();
    if (options_.metrics) {
      options_.metrics->trials.Labels({"cancelled"}).Increment();
    }
    ForgetRunning(trial_id, WorkerPool::Outcome::kNotRun);
  }
}

void JobManager::ForgetRunning(const std::string& trial_id,
                               WorkerPool::Outcome outcome) {
  auto it = running_.find(trial_id);
  if (it == running_.end()) return;
  it->second.evaluation->Cancel();
  running_.erase(it);
  options_.pool->Release(trial_id, outcome);
}

void JobManager::AdvanceJobs() {
  absl::MutexLock lock(&mu_);
  for (Job* job : job_order_) {
    if (job->final()) continue;
    job->Start(Now());
    StopTrials(*job, job->Advance(Now()));
  }
}

void JobManager::Dispatch() {
  // Rounds of: take a trial for every free slot (fair share), look them all
  // up in the cache at once, send the misses. Hits free their slots for the
  // next round.
  for (;;) {
    std::vector<Taken> batch = TakeTrials();
    if (batch.empty()) return;
    std::vector<std::optional<v1::EvaluationResult>> cached =
        LookupCache(batch);
    for (size_t i = 0; i < batch.size(); ++i) {
      Taken& taken = batch[i];
      if (cached[i].has_value()) {
        options_.pool->Release(taken.trial_id, WorkerPool::Outcome::kNotRun);
        absl::MutexLock lock(&mu_);
        taken.job->AnsweredFromCache(taken.index, *cached[i], Now());
        if (options_.metrics) {
          options_.metrics->trials.Labels({"succeeded"}).Increment();
        }
        continue;
      }
      {
        absl::MutexLock lock(&mu_);
        taken.request.set_attempt(
            taken.job->Dispatched(taken.index, taken.slot.worker, Now()));
      }
      Send(taken);
    }
  }
}

std::vector<JobManager::Taken> JobManager::TakeTrials() {
  std::vector<Taken> batch;
  // Jobs whose next trial waits for a worker it has not failed on.
  std::set<Job*> waiting;
  // Trials taken per job in this batch: they count as running for fair
  // share and max_parallel.
  std::map<Job*, int> taken_of;
  while (options_.pool->free_slots() > 0) {
    Taken taken{.taken = Now()};
    {
      absl::MutexLock lock(&mu_);
      for (Job* candidate : job_order_) {
        const int extra = taken_of[candidate];
        if (!candidate->WantsSlot(extra) || waiting.contains(candidate)) {
          continue;
        }
        if (taken.job == nullptr ||
            candidate->running() + extra <
                taken.job->running() + taken_of[taken.job]) {
          taken.job = candidate;
        }
      }
      if (taken.job == nullptr) break;
      std::optional<int64_t> next = taken.job->NextTrial(
          options_.pool->free_slots(), taken.taken, taken_of[taken.job]);
      if (!next.has_value()) continue;
      taken.index = *next;
      taken.trial_id = taken.job->trials()[taken.index].trial_id();
    }
    const auto failed = failed_on_.find(taken.trial_id);
    std::optional<WorkerPool::Slot> slot = options_.pool->Acquire(
        taken.trial_id,
        failed == failed_on_.end() ? std::set<std::string>() : failed->second);
    absl::MutexLock lock(&mu_);
    if (!slot.has_value()) {
      taken.job->Requeue(taken.index);
      waiting.insert(taken.job);  // Free slots, but only on avoided workers.
      continue;
    }
    taken.slot = *std::move(slot);
    taken.request =
        taken.job->Request(taken.index, taken.slot.evaluator_version);
    ++taken_of[taken.job];
    batch.push_back(std::move(taken));
  }
  return batch;
}

void JobManager::Send(const Taken& taken) {
  int max_trial_seconds = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    max_trial_seconds = taken.job->status().spec().recipe().max_trial_seconds();
  }
  const std::chrono::milliseconds deadline =
      max_trial_seconds > 0
          ? std::chrono::seconds(max_trial_seconds) + options_.deadline_margin
          : options_.default_deadline;
  const std::string trial_id = taken.trial_id;
  const int attempt = taken.request.attempt();
  {
    absl::MutexLock lock(&inbox_mu_);
    ++outstanding_;
  }
  std::shared_ptr<Evaluation> evaluation = options_.client->Start(
      taken.slot.address, taken.request, deadline,
      {.on_progress =
           [this, trial_id, attempt](const v1::TrialProgress& progress) {
             Post(ProgressEvent{.trial_id = trial_id,
                                .attempt = attempt,
                                .progress = progress});
           },
       .on_done =
           [this, trial_id,
            attempt](absl::StatusOr<v1::EvaluateEvent> outcome) {
             absl::MutexLock lock(&inbox_mu_);
             inbox_.push_back(Outcome{.trial_id = trial_id,
                                      .attempt = attempt,
                                      .outcome = std::move(outcome)});
             --outstanding_;
           }});
  running_[trial_id] = Running{.job_id = taken.job->id(),
                               .index = taken.index,
                               .attempt = attempt,
                               .worker = taken.slot.worker,
                               .lease_id = taken.slot.lease_id,
                               .evaluation = std::move(evaluation),
                               .dispatched = Now()};
  if (options_.metrics) {
    options_.metrics->dispatch_latency_seconds.Observe(
        absl::ToDoubleSeconds(Now() - taken.taken));
  }
}

std::vector<std::optional<v1::EvaluationResult>> JobManager::LookupCache(
    const std::vector<Taken>& batch) {
  ControllerMetrics* m = options_.metrics;
  std::vector<std::optional<v1::EvaluationResult>> results(batch.size());
  // Results still on their way to the store answer from here; the rest are
  // read with one MGET.
  std::vector<size_t> asked;
  std::vector<std::string> keys;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto it = unstored_results_.find(batch[i].request.cache_key());
    if (it != unstored_results_.end()) {
      results[i] = it->second;
    } else {
      asked.push_back(i);
      keys.push_back(batch[i].request.cache_key());
    }
  }
  absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>> cached =
      std::vector<std::optional<v1::EvaluationResult>>();
  if (keys.empty()) {
    // Nothing to read.
  } else if (Now() < store_retry_at_) {
    // The store is failing: do not wait on it for every trial.
    cached = absl::UnavailableError("the store is in backoff");
  } else {
    const absl::Time start = Now();
    cached = options_.store->GetCachedResults(keys);
    if (!cached.ok() && cached.status().code() == absl::StatusCode::kDataLoss) {
      // One unreadable value: look the keys up one by one, so that only it
      // misses (its trial's result will overwrite it).
      cached = std::vector<std::optional<v1::EvaluationResult>>();
      for (const std::string& key : keys) {
        absl::StatusOr<std::optional<v1::EvaluationResult>> one =
            options_.store->GetCachedResult(key);
        cached->push_back(one.ok() ? *std::move(one) : std::nullopt);
      }
    }
    if (m) {
      m->cache_lookup_seconds.Observe(absl::ToDoubleSeconds(Now() - start));
      if (!cached.ok()) m->store_errors.Increment();
    }
  }
  std::vector<bool> errors(batch.size(), false);  // Counted as errors.
  for (size_t j = 0; j < asked.size(); ++j) {
    if (cached.ok()) {
      results[asked[j]] = std::move((*cached)[j]);
    } else {
      errors[asked[j]] = true;
    }
  }
  if (m && !cached.ok()) {
    m->cache_requests.Labels({"error"}).Increment(keys.size());
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    std::optional<v1::EvaluationResult>& result = results[i];
    if (result.has_value() && batch[i].request.export_model()) {
      // An export is answered only while its model is here to download.
      std::error_code error;
      const std::string path = absl::StrCat(options_.artifact_dir, "/",
                                            result->artifact_sha256(), ".pt");
      if (options_.artifact_dir.empty() || result->artifact_sha256().empty() ||
          !std::filesystem::is_regular_file(path, error)) {
        result.reset();
      }
    }
    if (m && !errors[i]) {
      m->cache_requests.Labels({result ? "hit" : "miss"}).Increment();
    }
  }
  return results;
}

void JobManager::StartWrite(bool force) {
  const absl::Time now = Now();
  if (now < store_retry_at_) {
    // Cancellations are applied; say so now rather than after the backoff.
    std::set<std::string> jobs;
    for (const CancelCommand& cancel : waiting_cancels_) {
      jobs.insert(cancel.job_id);
    }
    AnswerCancels(waiting_cancels_, jobs);
    return;
  }
  if (writer_.busy()) return;  // Its result starts the next write.
  StoreWriter::Batch batch;
  batch.cache_puts.swap(cache_puts_);
  if (force ||
      now - last_commit_ >= absl::FromChrono(options_.commit_interval)) {
    last_commit_ = now;
    std::vector<Job*> jobs;
    {
      absl::ReaderMutexLock lock(&mu_);
      jobs = job_order_;
    }
    for (Job* job : jobs) {
      // A lock per job: readers wait for one checkpoint at a time.
      absl::MutexLock lock(&mu_);
      if (std::optional<JobUpdate> update = job->TakeUpdate()) {
        batch.updates.emplace_back(job->id(), *std::move(update));
      }
    }
  }
  if (batch.empty()) {
    AnswerCancels(waiting_cancels_, {});  // Nothing of theirs to write.
    return;
  }
  writing_keys_.clear();
  for (const Store::CacheEntry& entry : batch.cache_puts) {
    writing_keys_.push_back(entry.first);
  }
  writing_cancels_.swap(waiting_cancels_);
  writer_.Write(std::move(batch));
}

void JobManager::CollectWrite() {
  std::optional<StoreWriter::Result> result = writer_.Collect();
  if (!result.has_value()) return;
  std::set<std::string> unwritten_keys;
  std::set<std::string> unwritten_jobs;
  for (const Store::CacheEntry& entry : result->unwritten.cache_puts) {
    unwritten_keys.insert(entry.first);
  }
  // Keys written, unless a newer result for them waits for the next write.
  std::set<std::string> pending_keys;
  for (const Store::CacheEntry& entry : cache_puts_) {
    pending_keys.insert(entry.first);
  }
  for (const std::string& key : writing_keys_) {
    if (!unwritten_keys.contains(key) && !pending_keys.contains(key)) {
      unstored_results_.erase(key);
    }
  }
  writing_keys_.clear();
  std::vector<CancelCommand> cancels;
  cancels.swap(writing_cancels_);
  ControllerMetrics* m = options_.metrics;
  if (result->status.ok()) {
    if (!store_healthy_.exchange(true)) {
      std::cerr << "controller: the store takes writes again\n";
    }
    store_backoff_ = std::chrono::milliseconds(0);
    if (m) m->store_up.Set(1);
    AnswerCancels(cancels, {});
    return;
  }
  // What was not written goes first in the next write.
  cache_puts_.insert(
      cache_puts_.begin(),
      std::make_move_iterator(result->unwritten.cache_puts.begin()),
      std::make_move_iterator(result->unwritten.cache_puts.end()));
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [job_id, update] : result->unwritten.updates) {
      unwritten_jobs.insert(job_id);
      if (Job* job = FindJob(job_id)) job->UntakeUpdate(update);
    }
  }
  if (store_healthy_.exchange(false)) {
    std::cerr << "controller: store writes fail (" << result->status.message()
              << "); retrying with backoff, serving from memory\n";
  }
  store_backoff_ = std::clamp(2 * store_backoff_, options_.min_store_backoff,
                              options_.max_store_backoff);
  store_retry_at_ = Now() + absl::FromChrono(store_backoff_);
  if (m) {
    m->store_up.Set(0);
    m->store_errors.Increment();
  }
  AnswerCancels(cancels, unwritten_jobs);
}

void JobManager::AnswerCancels(std::vector<CancelCommand>& cancels,
                               const std::set<std::string>& unwritten) {
  for (CancelCommand& cancel : cancels) {
    absl::ReaderMutexLock lock(&mu_);
    absl::StatusOr<Job*> job = RequireJob(cancel.job_id);
    if (!job.ok()) {
      cancel.done(job.status());
    } else if (unwritten.contains(cancel.job_id)) {
      cancel.done(absl::UnavailableError(absl::StrCat(
          "job ", cancel.job_id,
          " is cancelled, but the store cannot take the write yet; it is "
          "retried")));
    } else {
      cancel.done((*job)->status());
    }
  }
  cancels.clear();
}

void JobManager::NotifyWatchers() {
  std::set<std::string> changed;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const Job* job : job_order_) {
      int64_t& notified = notified_[job->id()];
      if (job->last_sequence() > notified) {
        notified = job->last_sequence();
        changed.insert(job->id());
      }
    }
  }
  if (changed.empty()) return;
  std::vector<std::function<void()>> calls;
  {
    absl::MutexLock lock(&subscribers_mu_);
    for (const auto& [id, subscriber] : subscribers_) {
      if (changed.contains(subscriber.job_id))
        calls.push_back(subscriber.notify);
    }
  }
  for (const auto& call : calls) call();
}

}  // namespace nasprune::controller
