#ifndef NASPRUNE_CONTROLLER_JOBS_JOB_MANAGER_H_
#define NASPRUNE_CONTROLLER_JOBS_JOB_MANAGER_H_

// The controller's scheduler loop: the one thread that changes jobs. It
// owns the inbox where evaluation events, worker losses and cancellations
// arrive, and runs rounds that apply them, dispatch trials to free worker
// slots, and hand the changes to the store writer. The parts it drives each
// have a home of their own (docs/architecture.md):
//
//   job_registry.h     the jobs, their ids, the API's reads
//   event_hub.h        watching jobs
//   scheduler.h        which trial goes to which slot
//   dispatcher.h       evaluations in flight: sending, applying outcomes
//   evaluation_cache.h the cache over the store, with write-behind
//   store_writer.h     writes, backoff, store health, answering cancels
//   model_retention.h  which kept models an ended job still needs
//   job.h              one job's state machine
//
// No gRPC: the NasController service calls the registry, the hub and this
// class; evaluations go out through an EvaluationClient.
//
// Threads. One scheduler thread (Start/Stop) runs the rounds; the store
// writer writes on its own thread. RPC threads call Submit and CancelJob
// (the scheduler applies a cancellation and answers it once written), and
// the registry's and hub's reads. The client's callbacks only post to the
// inbox.
//
// Durability. Submit returns once the job is in the store. A job's changes
// (status, trials, strategy checkpoint) are written together at most every
// commit_interval (a cancellation at once); results go to the evaluation
// cache as they arrive, so a restart loses bookkeeping, never a trained
// result. A result on its way to the store already answers lookups. While
// the store is unreachable, writes are retried with backoff and the
// scheduler keeps going from memory; nothing is dropped. Create reloads every
// job; running jobs resume where their last write left them, with the trials
// that were in flight queued again.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "controller/cache/evaluation_cache.h"
#include "controller/jobs/dispatcher.h"
#include "controller/jobs/event_hub.h"
#include "controller/jobs/job_registry.h"
#include "controller/jobs/model_retention.h"
#include "controller/jobs/store_writer.h"
#include "controller/metrics.h"
#include "controller/scheduler/evaluation_client.h"
#include "controller/scheduler/scheduler.h"
#include "controller/scheduler/worker_pool.h"
#include "controller/store/store.h"
#include "nasprune/v1/controller.pb.h"

namespace nasprune::controller {

class JobManager {
 public:
  struct Options {
    // Required; must outlive the manager.
    Store* store = nullptr;
    WorkerPool* pool = nullptr;
    EvaluationClient* client = nullptr;
    // Optional; must outlive the manager.
    ControllerMetrics* metrics = nullptr;
    Clock* clock = Clock::Real();
    // Where workers put exported models (common/artifacts); empty: models
    // cannot be downloaded, and export trials are never cache hits.
    std::string artifact_dir;
    // Dispatches of one trial before it fails for good.
    int max_attempts = 3;
    Scheduler::Options scheduler;
    // How often the scheduler wakes without events (worker expiry, wall
    // limits, write retries).
    std::chrono::milliseconds tick{50};
    // Jobs' changes (status, trials, checkpoint) are written together at
    // most this often; cancellations at once. Results go to the cache as
    // soon as the writer is free. Gauges are updated as often.
    std::chrono::milliseconds commit_interval{100};
    // Backoff between store write retries: doubles from min to max.
    std::chrono::milliseconds min_store_backoff{100};
    std::chrono::milliseconds max_store_backoff{5000};
    int max_retained_events = 10000;
    // Told whenever store writes start failing (false) or succeed again
    // (true), on the scheduler thread; it must not block. Optional.
    std::function<void(bool healthy)> on_store_health;
  };

  // Reads every job back from the store (JobRegistry::Create).
  static absl::StatusOr<std::unique_ptr<JobManager>> Create(Options options);
  ~JobManager();  // Stops the scheduler.

  // Starts and stops the scheduler thread. Stop applies what arrived after
  // the last round, writes what it can, and leaves running jobs running in
  // the store (a later controller resumes them).
  void Start();
  void Stop();

  JobRegistry& registry() { return *registry_; }
  EventHub& events() { return *events_; }

  // JobRegistry::Submit, then the scheduler is woken.
  absl::StatusOr<v1::JobStatus> Submit(const v1::SubmitJobRequest& request);
  // Answers once the cancellation is written (UNAVAILABLE when the store
  // refused it: it is applied and the write is retried; UNAVAILABLE too
  // once Stop has run). `done` runs on the calling thread for bad requests
  // and final jobs, else on the scheduler thread; it must not block. The
  // second form waits for the answer.
  void CancelJob(const v1::CancelJobRequest& request,
                 std::function<void(absl::StatusOr<v1::JobStatus>)> done);
  absl::StatusOr<v1::JobStatus> CancelJob(const v1::CancelJobRequest& request);

  // Workers found lost by the registry (they registered again); any thread.
  void OnWorkerLost(const WorkerPool::Lost& lost);

  // False while store writes are failing; any thread.
  bool store_healthy() const { return writer_->healthy(); }

  // Runs one scheduler round on the calling thread, store writes included:
  // for tests that drive the manager without Start. Not while the thread
  // runs.
  void Step();

 private:
  // What the scheduler thread is told.
  struct CancelCommand {
    std::string job_id;
    std::string reason;
    std::function<void(absl::StatusOr<v1::JobStatus>)> done;
  };
  struct Wake {};  // Something changed outside: run a round now.
  using Message = std::variant<EvaluationEnded, EvaluationProgress,
                               WorkerPool::Lost, CancelCommand, Wake>;

  explicit JobManager(Options options);
  void Post(Message message);
  void Loop();
  // One round: apply `messages`, collect the last write, expire workers,
  // advance and dispatch, start the next write, notify watchers.
  void Round(std::vector<Message>& messages);
  void Apply(Message& message);
  void ApplyCancel(CancelCommand& cancel);
  void AdvanceJobs();
  // Where the dispatcher's evaluations report: the inbox.
  Dispatcher::Sink Inbox();
  // Hands the writer the cache puts, and the jobs' updates when
  // commit_interval has passed or a cancellation waits; nothing while it is
  // busy or the store is in backoff.
  void StartWrite();
  // Takes the writer's result once it is in: what was not written goes
  // into the next write.
  void CollectWrite();
  absl::Time Now() const { return options_.clock->Now(); }

  const Options options_;
  std::unique_ptr<JobRegistry> registry_;
  std::unique_ptr<EventHub> events_;

  // Scheduler thread only.
  Scheduler scheduler_;
  EvaluationCache cache_;
  std::unique_ptr<Dispatcher> dispatcher_;
  ModelRetention retention_;
  absl::Time last_commit_ = absl::InfinitePast();
  absl::Time last_gauges_ = absl::InfinitePast();

  absl::Mutex inbox_mu_;
  std::vector<Message> inbox_ ABSL_GUARDED_BY(inbox_mu_);
  bool stopping_ ABSL_GUARDED_BY(inbox_mu_) = false;
  // Stop has taken the inbox for the last time: cancellations are refused.
  bool stopped_ ABSL_GUARDED_BY(inbox_mu_) = false;
  // Evaluations whose on_done has not run yet.
  int outstanding_ ABSL_GUARDED_BY(inbox_mu_) = 0;
  std::thread thread_;

  // Last: its thread posts to the inbox.
  std::unique_ptr<StoreWriter> writer_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_JOB_MANAGER_H_
