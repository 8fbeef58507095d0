#include "controller/scheduler/scheduler.h"

#include <optional>
#include <utility>

namespace nasprune::controller {

std::vector<Scheduler::Assignment> Scheduler::Assign(
    const std::vector<Job*>& jobs, WorkerPool& pool, absl::Time now) {
  std::vector<Assignment> batch;
  // Jobs whose next trial waits for a worker it has not failed on.
  std::set<Job*> waiting;
  // Trials assigned per job in this call: they count as running for fair
  // share and max_parallel.
  std::map<Job*, int> taken_of;
  while (pool.free_slots() > 0) {
    Job* job = nullptr;
    for (Job* candidate : jobs) {
      const int taken = taken_of[candidate];
      if (waiting.contains(candidate) || !candidate->WantsSlot(taken)) {
        continue;
      }
      if (job == nullptr ||
          candidate->running() + taken < job->running() + taken_of[job]) {
        job = candidate;
      }
    }
    if (job == nullptr) break;
    const std::optional<int64_t> next =
        job->NextTrial(pool.free_slots(), now, taken_of[job]);
    if (!next.has_value()) continue;  // It wants no slot now after all.
    const v1::TrialRecord& trial = job->trials()[*next];
    const std::string& trial_id = trial.trial_id();
    const auto failed = failed_on_.find(trial_id);
    // A promotion or an export goes to the worker of the trial it builds
    // on when that one is free, a child to its parent's: its parent store
    // may hold the trained network.
    const v1::TrialRecord* from = job->FindTrial(trial.promoted_from());
    if (from == nullptr) from = job->FindTrial(trial.parent_trial_id());
    std::optional<WorkerPool::Slot> slot = pool.Acquire(
        trial_id,
        failed == failed_on_.end() ? std::set<std::string>() : failed->second,
        from != nullptr ? from->worker() : "");
    if (!slot.has_value()) {
      job->Requeue(*next);
      waiting.insert(job);  // Free slots, but only on avoided workers.
      continue;
    }
    Assignment assignment{.job = job,
                          .index = *next,
                          .trial_id = trial_id,
                          .slot = *std::move(slot),
                          .deadline = Deadline(job->status().spec()),
                          .assigned = now};
    assignment.request = job->Request(*next, assignment.slot.evaluator_version);
    ++taken_of[job];
    batch.push_back(std::move(assignment));
  }
  return batch;
}

void Scheduler::FailedOn(const std::string& trial_id,
                         const std::string& worker) {
  failed_on_[trial_id].insert(worker);
}

bool Scheduler::TurnedAway(const std::string& trial_id) {
  return ++busy_rejections_[trial_id] <= options_.max_busy_rejections;
}

void Scheduler::Forget(const std::string& trial_id) {
  failed_on_.erase(trial_id);
  busy_rejections_.erase(trial_id);
}

std::chrono::milliseconds Scheduler::Deadline(const v1::JobSpec& spec) const {
  const int seconds = spec.recipe().max_trial_seconds();
  return seconds > 0 ? std::chrono::seconds(seconds) + options_.deadline_margin
                     : options_.default_deadline;
}

}  // namespace nasprune::controller
