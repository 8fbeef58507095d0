#include "controller/jobs/job_manager.h"

#include <iostream>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/jobspec/states.h"
#include "controller/jobs/gauges.h"

namespace nasprune::controller {

JobManager::JobManager(Options options)
    : options_(std::move(options)),
      scheduler_(options_.scheduler),
      cache_({.store = options_.store,
              .metrics = options_.metrics,
              .clock = options_.clock,
              .artifact_dir = options_.artifact_dir}),
      retention_(options_.artifact_dir) {}

Dispatcher::Sink JobManager::Inbox() {
  return {.started =
              [this] {
                absl::MutexLock lock(&inbox_mu_);
                ++outstanding_;
              },
          .progress = [this](EvaluationProgress p) { Post(std::move(p)); },
          .ended =
              [this](EvaluationEnded ended) {
                // With the count, so that Stop sees the last one arrive.
                absl::MutexLock lock(&inbox_mu_);
                inbox_.push_back(std::move(ended));
                --outstanding_;
              }};
}

absl::StatusOr<std::unique_ptr<JobManager>> JobManager::Create(
    Options options) {
  if (options.store == nullptr || options.pool == nullptr ||
      options.client == nullptr || options.clock == nullptr) {
    return absl::InvalidArgumentError(
        "JobManager needs a store, a worker pool, an evaluation client and a "
        "clock");
  }
  auto manager = std::unique_ptr<JobManager>(new JobManager(options));
  absl::StatusOr<std::unique_ptr<JobRegistry>> registry = JobRegistry::Create(
      {.store = options.store,
       .metrics = options.metrics,
       .clock = options.clock,
       .artifact_dir = options.artifact_dir,
       .job = {.max_attempts = options.max_attempts,
               .max_retained_events = options.max_retained_events,
               .metrics = options.metrics}});
  if (!registry.ok()) return registry.status();
  manager->registry_ = *std::move(registry);
  manager->events_ = std::make_unique<EventHub>(manager->registry_.get());
  manager->dispatcher_ = std::make_unique<Dispatcher>(
      Dispatcher::Options{.registry = manager->registry_.get(),
                          .pool = options.pool,
                          .client = options.client,
                          .cache = &manager->cache_,
                          .scheduler = &manager->scheduler_,
                          .metrics = options.metrics,
                          .clock = options.clock,
                          .sink = manager->Inbox()});
  JobManager* m = manager.get();
  manager->writer_ = std::make_unique<StoreWriter>(
      StoreWriter::Options{.store = options.store,
                           .clock = options.clock,
                           .metrics = options.metrics,
                           .min_backoff = options.min_store_backoff,
                           .max_backoff = options.max_store_backoff,
                           .written = [m] { m->Post(Wake{}); },
                           .on_health = options.on_store_health});
  return manager;
}

JobManager::~JobManager() { Stop(); }

void JobManager::Start() {
  absl::MutexLock lock(&inbox_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  stopped_ = false;
  writer_->Start();
  thread_ = std::thread([this] { Loop(); });
}

void JobManager::Stop() {
  if (writer_ == nullptr) return;  // Create failed before it was made.
  {
    absl::MutexLock lock(&inbox_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  dispatcher_->CancelAll();
  // The client's callbacks reach this object: wait until the last has run
  // (the client promises one on_done per call, and cancelled calls end
  // promptly; a wait this long is worth a line in the log).
  {
    absl::MutexLock lock(&inbox_mu_);
    auto quiet = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(inbox_mu_) {
      return outstanding_ == 0;
    };
    while (!inbox_mu_.AwaitWithTimeout(absl::Condition(&quiet),
                                       absl::Seconds(30))) {
      std::cerr << "controller: stopping, still waiting for " << outstanding_
                << " evaluation call(s) to end\n";
    }
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
    if (auto* ended = std::get_if<EvaluationEnded>(&message)) {
      if (ended->outcome.ok()) dispatcher_->ApplyEnded(*ended);
    } else if (std::holds_alternative<CancelCommand>(message)) {
      Apply(message);
    }
  }
  dispatcher_->Forget();
  writer_->Stop();
  CollectWrite();
  // What the last rounds changed, written here; the rest resumes later.
  writer_->RetryNow();
  last_commit_ = absl::InfinitePast();
  StartWrite();
  CollectWrite();
}

void JobManager::Post(Message message) {
  absl::MutexLock lock(&inbox_mu_);
  inbox_.push_back(std::move(message));
}

void JobManager::OnWorkerLost(const WorkerPool::Lost& lost) { Post(lost); }

absl::StatusOr<v1::JobStatus> JobManager::Submit(
    const v1::SubmitJobRequest& request) {
  absl::StatusOr<v1::JobStatus> job = registry_->Submit(request);
  if (job.ok() && !request.validate_only()) Post(Wake{});
  return job;
}

void JobManager::CancelJob(
    const v1::CancelJobRequest& request,
    std::function<void(absl::StatusOr<v1::JobStatus>)> done) {
  if (absl::Status s = JobRegistry::CheckJobId(request.job_id()); !s.ok()) {
    return done(s);
  }
  if (request.reason().size() > 1024) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("reason: ", request.reason().size(),
                     " characters, above the maximum 1024")));
  }
  std::optional<absl::StatusOr<v1::JobStatus>> now;  // Answered at once.
  {
    absl::ReaderMutexLock lock(&registry_->mu());
    absl::StatusOr<Job*> job = registry_->Require(request.job_id());
    if (!job.ok()) {
      now = job.status();
    } else if ((*job)->final()) {
      now = (*job)->status();
    }
  }
  if (now.has_value()) return done(*std::move(now));
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
      options_.clock->AwaitWithDeadline(
          &inbox_mu_, absl::Condition(&ready),
          Now() + absl::FromChrono(options_.tick));
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
  for (Message& message : messages) Apply(message);
  CollectWrite();
  for (const WorkerPool::Lost& lost : options_.pool->Expire()) {
    dispatcher_->ApplyLost(lost);
  }
  AdvanceJobs();
  dispatcher_->Dispatch(/*read_store=*/!writer_->in_backoff());
  AdvanceJobs();  // Jobs whose last trials came from the cache.
  // With no write in flight, a job with nothing unwritten has its end in
  // the store.
  if (writer_->Ready()) retention_.Run(*registry_);
  StartWrite();
  CollectWrite();  // Already written when the writer's thread is not running.
  events_->Notify();
  if (options_.metrics != nullptr &&
      Now() - last_gauges_ >= absl::FromChrono(options_.commit_interval)) {
    // Walking every job and worker is not for every round.
    last_gauges_ = Now();
    UpdateGauges(*options_.metrics, *registry_, *options_.pool);
  }
}

void JobManager::Apply(Message& message) {
  if (auto* ended = std::get_if<EvaluationEnded>(&message)) {
    dispatcher_->ApplyEnded(*ended);
  } else if (auto* progress = std::get_if<EvaluationProgress>(&message)) {
    dispatcher_->ApplyProgress(*progress);
  } else if (auto* lost = std::get_if<WorkerPool::Lost>(&message)) {
    dispatcher_->ApplyLost(*lost);
  } else if (auto* cancel = std::get_if<CancelCommand>(&message)) {
    ApplyCancel(*cancel);
  }  // A Wake needs nothing more.
}

void JobManager::ApplyCancel(CancelCommand& cancel) {
  {
    absl::MutexLock lock(&registry_->mu());
    Job* job = registry_->Find(cancel.job_id);
    if (job == nullptr) return;
    dispatcher_->StopTrials(
        *job,
        job->End(v1::JOB_STATE_CANCELLED,
                 cancel.reason.empty() ? "cancelled" : cancel.reason, Now()));
  }
  // Answered once written, with the job as it is then.
  writer_->AwaitWrite(
      cancel.job_id, [this, job_id = cancel.job_id,
                      done = std::move(cancel.done)](absl::Status written) {
        absl::StatusOr<v1::JobStatus> answer;
        {
          absl::ReaderMutexLock lock(&registry_->mu());
          absl::StatusOr<Job*> job = registry_->Require(job_id);
          if (!job.ok()) {
            answer = job.status();
          } else if (!written.ok()) {
            answer = absl::UnavailableError(absl::StrCat(
                "job ", job_id, " is cancelled, but ", written.message()));
          } else {
            answer = (*job)->status();
          }
        }
        done(std::move(answer));  // Without the lock: it may do anything.
      });
}

void JobManager::AdvanceJobs() {
  absl::MutexLock lock(&registry_->mu());
  for (Job* job : registry_->jobs()) {
    if (job->final()) continue;
    job->Start(Now());
    dispatcher_->StopTrials(*job, job->Advance(Now()));
  }
}

void JobManager::StartWrite() {
  if (!writer_->Ready()) return;  // Its result starts the next write.
  StoreWriter::Batch batch;
  batch.cache_puts = cache_.TakePending();
  const absl::Time now = Now();
  if (writer_->has_waiters() ||
      now - last_commit_ >= absl::FromChrono(options_.commit_interval)) {
    last_commit_ = now;
    std::vector<Job*> jobs;
    {
      absl::ReaderMutexLock lock(&registry_->mu());
      jobs = registry_->jobs();
    }
    for (Job* job : jobs) {
      // A lock per job: readers wait for one checkpoint at a time.
      absl::MutexLock lock(&registry_->mu());
      if (std::optional<JobUpdate> update = job->TakeUpdate()) {
        batch.updates.emplace_back(job->id(), *std::move(update));
      }
    }
  }
  writer_->Write(std::move(batch));
}

void JobManager::CollectWrite() {
  std::optional<StoreWriter::Result> result = writer_->Collect();
  if (!result.has_value()) return;
  cache_.Written(std::move(result->unwritten.cache_puts));
  if (result->unwritten.updates.empty()) return;
  absl::MutexLock lock(&registry_->mu());
  for (const auto& [job_id, update] : result->unwritten.updates) {
    if (Job* job = registry_->Find(job_id)) job->UntakeUpdate(update);
  }
}

}  // namespace nasprune::controller
