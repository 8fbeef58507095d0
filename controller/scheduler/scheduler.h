#ifndef NASPRUNE_CONTROLLER_SCHEDULER_SCHEDULER_H_
#define NASPRUNE_CONTROLLER_SCHEDULER_SCHEDULER_H_

// Which trial goes to which worker slot: the controller's dispatch policy
// as plain logic over the jobs and the worker pool, with no threads, no I/O
// and no clock of its own (the time is passed in).
//
// - Fair share: each free slot goes to the running job that wants one and
//   has the fewest trials running, counting those assigned in the same
//   call (ties go to the older job), within the job's max_parallel.
// - Worker avoidance: a trial queued again after failing on some workers
//   goes to another worker while one is in rotation; if only those have a
//   free slot, it waits and its job yields the slot to the others.
// - Affinity: a trial that builds on another (a promotion, an export)
//   goes to the worker that ran that one when it has a free slot.
// - Deadlines: an evaluation must end within its recipe's
//   max_trial_seconds plus `deadline_margin`, or `default_deadline`.
// - Busy workers: a trial a worker turned away (every slot busy) is
//   queued again without using an attempt, up to `max_busy_rejections`
//   times (then it counts as a retryable failure, so that a worker that
//   always answers "busy" cannot hold a trial forever).
//
// Scheduler thread only. Assign changes jobs (it takes their trials): call
// it with the registry's lock held exclusively.

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controller/jobs/job.h"
#include "controller/scheduler/worker_pool.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::controller {

class Scheduler {
 public:
  struct Options {
    // The deadline of an evaluation whose recipe sets no
    // max_trial_seconds; with one, that limit plus `deadline_margin`.
    std::chrono::milliseconds default_deadline = std::chrono::hours(24);
    std::chrono::milliseconds deadline_margin = std::chrono::seconds(60);
    int max_busy_rejections = 100;
  };

  // A trial given a slot, about to be looked up in the cache and sent.
  struct Assignment {
    Job* job = nullptr;
    int64_t index = 0;
    std::string trial_id;
    WorkerPool::Slot slot;
    // With the cache key for the slot's evaluator and attempts so far + 1.
    v1::EvaluateRequest request;
    std::chrono::milliseconds deadline{0};
    absl::Time assigned;
  };

  explicit Scheduler(Options options) : options_(options) {}

  // A trial for every free slot of `pool`, each slot acquired for its
  // trial, from `jobs` (oldest first).
  std::vector<Assignment> Assign(const std::vector<Job*>& jobs,
                                 WorkerPool& pool, absl::Time now);

  // The trial failed on `worker` and is queued again: later assignments
  // avoid that worker.
  void FailedOn(const std::string& trial_id, const std::string& worker);
  // The trial was turned away by a busy worker: whether to queue it again
  // without using an attempt (false once it happened max_busy_rejections
  // times).
  bool TurnedAway(const std::string& trial_id);
  // The trial is final: forget what was remembered of it.
  void Forget(const std::string& trial_id);

  std::chrono::milliseconds Deadline(const v1::JobSpec& spec) const;

 private:
  const Options options_;
  std::map<std::string, std::set<std::string>> failed_on_;
  std::map<std::string, int> busy_rejections_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SCHEDULER_SCHEDULER_H_
