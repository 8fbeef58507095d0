#ifndef NASPRUNE_CONTROLLER_JOBS_JOB_MANAGER_H_
#define NASPRUNE_CONTROLLER_JOBS_JOB_MANAGER_H_

// The controller's core (DESIGN §2, §6): every job, the scheduler that feeds
// their trials to worker slots, and the store behind them. No gRPC: the
// NasController service translates its requests into these calls, and
// evaluations go out through an EvaluationClient.
//
// Threads. One scheduler thread (Start/Stop) does all the work that changes
// jobs: it applies evaluation events (queued by the client's callbacks),
// expires lost workers, dispatches, and hands the changes to a store writer
// thread (store_writer.h), so it never waits on a store write. RPC threads
// read jobs under the lock, create jobs (Submit) and post cancellations,
// which the scheduler applies and answers once they are written.
//
// Scheduling. Whenever a worker slot is free, it goes to the running job
// that wants one and has the fewest trials running (fair share; ties to the
// older job), within the job's max_parallel. A trial is looked up in the
// evaluation cache under the key of the worker chosen for it (the evaluator
// version is part of the key) before it is sent.
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

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/jobs/job.h"
#include "controller/jobs/store_writer.h"
#include "controller/metrics.h"
#include "controller/scheduler/evaluation_client.h"
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
    // Where workers put exported models as <sha256>.pt; empty: models
    // cannot be downloaded, and export trials are never cache hits.
    std::string artifact_dir;
    // Dispatches of one trial before it fails for good.
    int max_attempts = 3;
    // The deadline of an evaluation whose recipe sets no
    // max_trial_seconds; with one, that limit plus `deadline_margin`.
    std::chrono::milliseconds default_deadline = std::chrono::hours(24);
    std::chrono::milliseconds deadline_margin = std::chrono::seconds(60);
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
  };

  // Reads every job back from the store. Fails when the store cannot be
  // read; a job whose records are unusable is skipped with a log line.
  static absl::StatusOr<std::unique_ptr<JobManager>> Create(Options options);
  ~JobManager();  // Stops the scheduler.

  // Starts and stops the scheduler thread. Stop leaves running jobs running
  // in the store (a later controller resumes them).
  void Start();
  void Stop();

  // The API (controller.proto). INVALID_ARGUMENT naming the field for a bad
  // request, NOT_FOUND for an unknown job or trial, UNAVAILABLE when the
  // store cannot take a write.
  absl::StatusOr<v1::JobStatus> Submit(const v1::SubmitJobRequest& request);
  absl::StatusOr<v1::JobStatus> GetJob(const v1::GetJobRequest& request);
  absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const v1::ListJobsRequest& request);
  // Answers once the cancellation is written (UNAVAILABLE when the store
  // refused it: it is applied and the write is retried; UNAVAILABLE too
  // once Stop has run). `done` runs on the
  // calling thread for bad requests and final jobs, else on the scheduler
  // thread; it must not block. The second form waits for the answer.
  void CancelJob(const v1::CancelJobRequest& request,
                 std::function<void(absl::StatusOr<v1::JobStatus>)> done);
  absl::StatusOr<v1::JobStatus> CancelJob(const v1::CancelJobRequest& request);
  absl::StatusOr<v1::ListTrialsResponse> ListTrials(
      const v1::ListTrialsRequest& request);
  absl::StatusOr<v1::ParetoFront> GetParetoFront(
      const v1::GetParetoFrontRequest& request);

  // A trial's exported model: FAILED_PRECONDITION when it has none (not
  // exported, or the file is not in the artifact directory).
  struct ModelFile {
    std::string path;
    std::string sha256;
  };
  absl::StatusOr<ModelFile> GetModel(const v1::DownloadModelRequest& request);

  // Watching. Subscribe registers `notify`, called (on the scheduler thread,
  // without locks held; it must not block) whenever the job has new events;
  // then ReadEvents returns them. `ended`: the job is final and every event
  // up to its last was returned.
  absl::StatusOr<int64_t> Subscribe(const std::string& job_id,
                                    std::function<void()> notify);
  void Unsubscribe(int64_t subscription);
  struct Events {
    std::vector<v1::JobEvent> events;
    bool ended = false;
  };
  absl::StatusOr<Events> ReadEvents(const std::string& job_id,
                                    int64_t after_sequence, int max);

  // Workers found lost by the registry (they registered again); any thread.
  void OnWorkerLost(const WorkerPool::Lost& lost);

  // False while store writes are failing.
  bool store_healthy() const;

  // Runs one scheduler round on the calling thread, store writes included:
  // for tests that drive the manager without Start. Not while the thread
  // runs.
  void Step();

 private:
  // What the scheduler thread is told.
  struct Outcome {
    std::string trial_id;
    int attempt = 0;
    absl::StatusOr<v1::EvaluateEvent> outcome;
    // From the evaluation's stream (not made up when its worker was lost).
    bool from_stream = true;
  };
  struct ProgressEvent {
    std::string trial_id;
    int attempt = 0;
    v1::TrialProgress progress;
  };
  struct CancelCommand {
    std::string job_id;
    std::string reason;
    std::function<void(absl::StatusOr<v1::JobStatus>)> done;
  };
  struct Wake {};  // Something changed outside: run a round now.
  using Message = std::variant<Outcome, ProgressEvent, WorkerPool::Lost,
                               CancelCommand, Wake>;

  struct Running {
    std::string job_id;
    int64_t index = 0;
    int attempt = 0;
    std::string worker;
    std::string lease_id;
    std::shared_ptr<Evaluation> evaluation;
    absl::Time dispatched;
  };

  explicit JobManager(Options options);
  void Post(Message message);
  void Loop();
  // One round: apply `messages`, collect the last write, expire workers,
  // advance and dispatch, start the next write, notify watchers.
  void Round(std::vector<Message>& messages);
  void UpdateGauges();
  void Apply(Message& message);
  void ApplyOutcome(Outcome& outcome);
  void ApplyLost(const WorkerPool::Lost& lost);
  void StopTrials(Job& job, const std::vector<int64_t>& indices);
  // Frees the trial's slot and forgets its evaluation.
  void ForgetRunning(const std::string& trial_id, WorkerPool::Outcome outcome);
  // A trial taken for a slot, about to be looked up and sent.
  struct Taken {
    absl::Time taken;
    Job* job = nullptr;
    int64_t index = 0;
    std::string trial_id;
    WorkerPool::Slot slot;
    v1::EvaluateRequest request;
  };
  void Dispatch();
  // A trial for every free slot, each with its slot acquired (not yet
  // marked dispatched: a cache hit never is).
  std::vector<Taken> TakeTrials();
  void Send(const Taken& taken);
  // The cached results of the batch, in order: nullopt for a miss, a store
  // error, or an export whose model is not in the artifact directory.
  std::vector<std::optional<v1::EvaluationResult>> LookupCache(
      const std::vector<Taken>& batch);
  void AdvanceJobs();
  // Hands the writer the cache puts, and the jobs' updates when
  // commit_interval has passed or `force`; nothing while it is busy or the
  // store is in backoff.
  void StartWrite(bool force);
  // Takes the writer's result once it is in: a failure puts back what was
  // not written and backs off. Answers the cancellations that waited for it.
  void CollectWrite();
  // Answers `cancels`: UNAVAILABLE for a job in `unwritten`.
  void AnswerCancels(std::vector<CancelCommand>& cancels,
                     const std::set<std::string>& unwritten);
  void NotifyWatchers();
  Job* FindJob(const std::string& job_id) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The job, or INVALID_ARGUMENT for an empty id and NOT_FOUND for an
  // unknown one (both naming job_id).
  absl::StatusOr<Job*> RequireJob(const std::string& job_id)
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Time Now() const { return absl::Now(); }

  const Options options_;

  mutable absl::Mutex mu_;
  // Jobs by id, and their order of creation (for fair-share ties).
  std::map<std::string, std::unique_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);
  std::vector<Job*> job_order_ ABSL_GUARDED_BY(mu_);
  // Scheduler thread only.
  std::map<std::string, Running> running_;
  // Workers each queued-again trial failed on, avoided when it goes again.
  std::map<std::string, std::set<std::string>> failed_on_;
  std::vector<Store::CacheEntry> cache_puts_;  // Not handed to the writer.
  // Results not known to be in the store yet, by cache key: lookups see
  // them first.
  std::unordered_map<std::string, v1::EvaluationResult> unstored_results_;
  std::vector<std::string> writing_keys_;  // The cache keys being written.
  // Applied cancellations: waiting for a write, and in the write.
  std::vector<CancelCommand> waiting_cancels_;
  std::vector<CancelCommand> writing_cancels_;
  absl::Time last_commit_ = absl::InfinitePast();
  absl::Time last_gauges_ = absl::InfinitePast();
  absl::Time store_retry_at_ = absl::InfinitePast();
  std::chrono::milliseconds store_backoff_{0};
  std::map<std::string, int64_t> notified_;  // Job → last sequence notified.

  absl::Mutex inbox_mu_;
  std::vector<Message> inbox_ ABSL_GUARDED_BY(inbox_mu_);
  bool stopping_ ABSL_GUARDED_BY(inbox_mu_) = false;
  // Stop has taken the inbox for the last time: cancellations are refused.
  bool stopped_ ABSL_GUARDED_BY(inbox_mu_) = false;
  // Evaluations whose on_done has not run yet.
  int outstanding_ ABSL_GUARDED_BY(inbox_mu_) = 0;
  std::thread thread_;

  mutable absl::Mutex subscribers_mu_;
  struct Subscriber {
    std::string job_id;
    std::function<void()> notify;
  };
  std::map<int64_t, Subscriber> subscribers_ ABSL_GUARDED_BY(subscribers_mu_);
  int64_t next_subscriber_ ABSL_GUARDED_BY(subscribers_mu_) = 1;

  std::atomic<bool> store_healthy_{true};
  // Last: its thread posts to the inbox.
  StoreWriter writer_{options_.store, [this] { Post(Wake{}); }};
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_JOB_MANAGER_H_
