#include "controller/jobs/dispatcher.h"

#include <iostream>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/jobspec/states.h"
#include "common/status/evaluation_outcome.h"

namespace nasprune::controller {

void Dispatcher::Dispatch(bool read_store) {
  JobRegistry& registry = *options_.registry;
  // Rounds of: a trial for every free slot, looked up in the cache all at
  // once, the misses sent. Hits free their slots for the next round.
  for (;;) {
    std::vector<Scheduler::Assignment> batch;
    {
      absl::MutexLock lock(&registry.mu());
      batch =
          options_.scheduler->Assign(registry.jobs(), *options_.pool, Now());
    }
    if (batch.empty()) return;
    std::vector<EvaluationCache::Query> queries;
    for (const Scheduler::Assignment& a : batch) {
      queries.push_back(
          {.key = a.request.cache_key(),
           .needs_model = a.request.export_model() ||
                          !a.request.score_model_sha256().empty()});
    }
    const std::vector<std::optional<v1::EvaluationResult>> cached =
        options_.cache->Lookup(queries, read_store);
    for (size_t i = 0; i < batch.size(); ++i) {
      Scheduler::Assignment& a = batch[i];
      if (cached[i].has_value()) {
        options_.pool->Release(a.trial_id, WorkerPool::Outcome::kNotRun);
        options_.scheduler->Forget(a.trial_id);
        absl::MutexLock lock(&registry.mu());
        a.job->AnsweredFromCache(a.index, *cached[i], Now());
        if (options_.metrics) {
          options_.metrics->trials.Labels({"succeeded"}).Increment();
        }
        continue;
      }
      {
        absl::MutexLock lock(&registry.mu());
        a.request.set_attempt(a.job->Dispatched(a.index, a.slot.worker, Now()));
      }
      Send(a);
    }
  }
}

void Dispatcher::Send(const Scheduler::Assignment& a) {
  const std::string trial_id = a.trial_id;
  const int attempt = a.request.attempt();
  options_.sink.started();
  // The callbacks reach the sink through the dispatcher, which outlives
  // every call (its owner waits for the last on_done).
  std::shared_ptr<Evaluation> evaluation = options_.client->Start(
      a.slot.address, a.request, a.deadline,
      {.on_progress =
           [this, trial_id, attempt](const v1::TrialProgress& p) {
             options_.sink.progress(
                 {.trial_id = trial_id, .attempt = attempt, .progress = p});
           },
       .on_done =
           [this, trial_id,
            attempt](absl::StatusOr<v1::EvaluateEvent> outcome) {
             options_.sink.ended({.trial_id = trial_id,
                                  .attempt = attempt,
                                  .outcome = std::move(outcome)});
           }});
  running_[trial_id] = Running{.job_id = a.job->id(),
                               .index = a.index,
                               .attempt = attempt,
                               .worker = a.slot.worker,
                               .lease_id = a.slot.lease_id,
                               .evaluation = std::move(evaluation),
                               .dispatched = Now()};
  if (options_.metrics) {
    options_.metrics->dispatch_latency_seconds.Observe(
        absl::ToDoubleSeconds(Now() - a.assigned));
  }
}

void Dispatcher::ApplyProgress(const EvaluationProgress& progress) {
  auto it = running_.find(progress.trial_id);
  if (it == running_.end() || it->second.attempt != progress.attempt) return;
  Job::Effect effect;
  {
    absl::MutexLock lock(&options_.registry->mu());
    effect = options_.registry->Find(it->second.job_id)
                 ->Progress(it->second.index, progress.attempt,
                            progress.progress, Now());
  }
  if (!effect.stop_evaluation) return;
  if (options_.metrics) {
    options_.metrics->trials.Labels({"early_stopped"}).Increment();
  }
  Stop(it);
}

void Dispatcher::ApplyEnded(EvaluationEnded& ended) {
  auto it = running_.find(ended.trial_id);
  if (it == running_.end() || it->second.attempt != ended.attempt) return;
  const Running running = std::move(it->second);
  running_.erase(it);
  const EvaluationOutcome kind = ClassifyOutcome(ended.outcome);
  const bool failed = kind != EvaluationOutcome::kSucceeded &&
                      kind != EvaluationOutcome::kDeterministicFailure;
  WorkerPool& pool = *options_.pool;
  if (kind == EvaluationOutcome::kWorkerBusy &&
      options_.scheduler->TurnedAway(ended.trial_id)) {
    // It never ran: the worker gets nothing until its heartbeat says what
    // it runs, and the trial goes again without using an attempt.
    pool.Release(ended.trial_id, WorkerPool::Outcome::kBusy);
    std::cerr << "controller: trial " << ended.trial_id << " turned away by "
              << running.worker << " (" << ended.outcome.status().message()
              << "); queued again\n";
    absl::MutexLock lock(&options_.registry->mu());
    options_.registry->Find(running.job_id)->NotRun(running.index);
    return;
  }
  // (A trial turned away too often counts as a retryable failure, against
  // the worker too.)
  pool.Release(ended.trial_id, failed ? WorkerPool::Outcome::kRetryableFailure
                                      : WorkerPool::Outcome::kSucceeded);
  // A broken stream means a lost worker: that registration gets nothing
  // more (the worker registers again if it is alive), and its other trials
  // are queued again. Calls wait for a connection, so UNAVAILABLE is a
  // stream that broke, not a worker still starting.
  std::optional<WorkerPool::Lost> lost;
  if (ended.from_stream && kind == EvaluationOutcome::kWorkerLost) {
    lost = pool.Remove(running.worker, running.lease_id);
  }
  Job::Effect effect;
  v1::TrialState after = v1::TRIAL_STATE_UNSPECIFIED;
  {
    absl::MutexLock lock(&options_.registry->mu());
    Job* job = options_.registry->Find(running.job_id);
    effect = job->Finished(running.index, ended.attempt, ended.outcome, Now());
    after = job->trials()[running.index].state();
  }
  if (effect.cache_put.has_value()) {
    options_.cache->Put(effect.cache_put->first, effect.cache_put->second);
  }
  Record(ended, running, failed, after);
  if (after == v1::TRIAL_STATE_QUEUED) {
    options_.scheduler->FailedOn(ended.trial_id, running.worker);
  } else {
    options_.scheduler->Forget(ended.trial_id);
  }
  if (lost.has_value()) ApplyLost(*lost);
}

void Dispatcher::Record(const EvaluationEnded& ended, const Running& running,
                        bool failed, v1::TrialState after) {
  if (failed) {
    const absl::Status error = ended.outcome.ok()
                                   ? absl::InternalError(absl::StrCat(
                                         ended.outcome->failure().code(), ": ",
                                         ended.outcome->failure().message()))
                                   : ended.outcome.status();
    std::cerr << "controller: trial " << ended.trial_id << " attempt "
              << ended.attempt << " failed on " << running.worker << ": "
              << error.message() << "; "
              << (after == v1::TRIAL_STATE_QUEUED ? "queued again"
                                                  : "not retried")
              << "\n";
  }
  if (ControllerMetrics* m = options_.metrics) {
    if (after == v1::TRIAL_STATE_QUEUED) {
      m->trial_retries.Increment();
    } else {
      m->trials.Labels({jobspec::TrialStateLabel(after)}).Increment();
    }
    m->trial_duration_seconds.Observe(
        absl::ToDoubleSeconds(Now() - running.dispatched));
  }
}

void Dispatcher::ApplyLost(const WorkerPool::Lost& lost) {
  if (options_.metrics) options_.metrics->worker_losses.Increment();
  for (const std::string& trial_id : lost.trial_ids) {
    auto it = running_.find(trial_id);
    if (it == running_.end()) continue;
    it->second.evaluation->Cancel();
    EvaluationEnded ended{
        .trial_id = trial_id,
        .attempt = it->second.attempt,
        .outcome = absl::UnavailableError(absl::StrCat(
            "worker ", lost.worker,
            " was lost (missed heartbeats, a broken stream, or it registered "
            "again)")),
        .from_stream = false};
    ApplyEnded(ended);
  }
}

void Dispatcher::StopTrials(Job& job, const std::vector<int64_t>& indices) {
  for (int64_t index : indices) {
    if (options_.metrics) {
      options_.metrics->trials.Labels({"cancelled"}).Increment();
    }
    auto it = running_.find(job.trials()[index].trial_id());
    if (it != running_.end()) Stop(it);
  }
}

void Dispatcher::Stop(std::map<std::string, Running>::iterator it) {
  it->second.evaluation->Cancel();
  options_.pool->Release(it->first, WorkerPool::Outcome::kStopped);
  options_.scheduler->Forget(it->first);
  running_.erase(it);
}

void Dispatcher::CancelAll() {
  for (auto& [trial_id, running] : running_) running.evaluation->Cancel();
}

}  // namespace nasprune::controller
