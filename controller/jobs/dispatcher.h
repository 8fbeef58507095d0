#ifndef NASPRUNE_CONTROLLER_JOBS_DISPATCHER_H_
#define NASPRUNE_CONTROLLER_JOBS_DISPATCHER_H_

// Evaluations in flight: the dispatcher takes the scheduler's assignments,
// answers them from the evaluation cache or sends them to their workers
// through the EvaluationClient, and applies what comes back (progress,
// results, failures, busy and lost workers) to the jobs, the worker pool,
// the scheduler's memory and the cache.
//
// How an ending is read (common/status/evaluation_outcome.h): a result or a
// deterministic failure frees the slot; a retryable failure queues the
// trial again (an attempt used) and counts against the worker; a busy
// worker's refusal queues it again without using an attempt; a broken
// stream loses the worker, and with it every trial it ran.
//
// Threads. Everything runs on the scheduler thread, with no lock held by
// the caller (the dispatcher takes the registry's lock itself), except
// StopTrials, which the caller calls with the registry's lock held. The
// client's callbacks only reach the Sink.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "controller/cache/evaluation_cache.h"
#include "controller/jobs/job_registry.h"
#include "controller/metrics.h"
#include "controller/scheduler/evaluation_client.h"
#include "controller/scheduler/scheduler.h"
#include "controller/scheduler/worker_pool.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::controller {

// The end of an evaluation, as it reaches the scheduler thread.
struct EvaluationEnded {
  std::string trial_id;
  int attempt = 0;
  absl::StatusOr<v1::EvaluateEvent> outcome;
  // From the evaluation's stream (not made up when its worker was lost).
  bool from_stream = true;
};
// A progress event of an evaluation.
struct EvaluationProgress {
  std::string trial_id;
  int attempt = 0;
  v1::TrialProgress progress;
};

class Dispatcher {
 public:
  // Where the client's callbacks go (the manager's inbox). Started runs on
  // the scheduler thread before the call starts; the others on the
  // client's threads, Ended exactly once per Started.
  struct Sink {
    std::function<void()> started;
    std::function<void(EvaluationProgress)> progress;
    std::function<void(EvaluationEnded)> ended;
  };
  struct Options {
    // Required; must outlive the dispatcher.
    JobRegistry* registry = nullptr;
    WorkerPool* pool = nullptr;
    EvaluationClient* client = nullptr;
    EvaluationCache* cache = nullptr;
    Scheduler* scheduler = nullptr;
    // Optional; must outlive the dispatcher.
    ControllerMetrics* metrics = nullptr;
    Clock* clock = Clock::Real();
    Sink sink;
  };

  explicit Dispatcher(Options options) : options_(std::move(options)) {}

  // Gives every free slot a trial, answering what the cache knows (reading
  // the store only when `read_store`) and sending the rest, until no slot
  // or no trial is left.
  void Dispatch(bool read_store);

  void ApplyProgress(const EvaluationProgress& progress);
  void ApplyEnded(EvaluationEnded& ended);
  // Queues again the trials of a lost worker (their calls are cancelled).
  void ApplyLost(const WorkerPool::Lost& lost);
  // Stops the running evaluations of `job`'s trials `indices` (they were
  // cancelled by the job). With the registry's lock held.
  void StopTrials(Job& job, const std::vector<int64_t>& indices);

  // Cancels every call in flight, and forgets them (a stopping controller:
  // the trials stay running in the store, for the next one to queue again).
  void CancelAll();
  void Forget() { running_.clear(); }

 private:
  struct Running {
    std::string job_id;
    int64_t index = 0;
    int attempt = 0;
    std::string worker;
    std::string lease_id;
    std::shared_ptr<Evaluation> evaluation;
    absl::Time dispatched;
  };
  void Send(const Scheduler::Assignment& assignment);
  // Cancels the trial's call and frees its slot once the worker stops it.
  void Stop(std::map<std::string, Running>::iterator it);
  // Logs a failed attempt and counts the trial's outcome.
  void Record(const EvaluationEnded& ended, const Running& running, bool failed,
              v1::TrialState after);
  absl::Time Now() const { return options_.clock->Now(); }

  const Options options_;
  std::map<std::string, Running> running_;  // By trial id.
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_DISPATCHER_H_
