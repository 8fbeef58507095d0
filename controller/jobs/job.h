#ifndef NASPRUNE_CONTROLLER_JOBS_JOB_H_
#define NASPRUNE_CONTROLLER_JOBS_JOB_H_

// One search job's state machine: its strategy, its trials, its counts and
// Pareto front, its event log, and what must be written to the store. Pure
// logic: no I/O, no threads, no clock (times are passed in). The job
// manager (job_manager.h) owns the I/O, the workers and the threads, and
// calls a Job under the registry's lock (job_registry.h).
//
// A job's life:
//   PENDING ─► RUNNING: search phase. The strategy's proposals become QUEUED
//     trials at once (so that a checkpoint never holds a proposal without
//     its trial); the manager dispatches them or answers them from the cache.
//     It ends when budget.max_trials trials were created, or the strategy
//     has nothing more to propose with nothing in flight.
//   ─► export phase: the best export.top_k trials of the Pareto front (by
//     validation accuracy), and the most accurate feasible trial of any
//     rung when it beats them, get "export trials", whose promoted_from
//     names the search trial and whose rung is that trial's rung. A search
//     trial that kept its model (export.retain_models) is exported by
//     scoring those very weights on the test split (score_model_sha256);
//     one that did not is evaluated again with export_model. Export trials
//     do not count toward max_trials, nor in TrialCounts' totals (`exports`
//     and `exported` count them).
//   ─► SUCCEEDED. FAILED once budget.max_failed_trials trials failed;
//     CANCELLED on request. When max_wall_seconds passes, the search stops
//     (its queued and running trials are cancelled) and the models kept so
//     far are exported, then SUCCEEDED. Ending cancels every queued and
//     running trial.
//
// Fronts: each rung has its own Pareto front of its feasible results. The
// job's front (ParetoFront) is the top rung's once a trial reached it, the
// highest reached rung's before that; JobStatus.rungs sums up every rung.
//
// A trial that fails for a reason other than its genome (the worker was lost,
// its stream broke, the worker failed) is queued again up to `max_attempts`
// dispatches, then FAILED with the last reason. A deterministic failure fails
// it at once. Either way the strategy observes the failure. A trial the
// worker turned away (every slot busy) never ran: NotRun queues it again
// without using an attempt.
//
// Fronts, kept models and exports live in job_exports.cc, reading back in
// job_restore.cc. Not thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/jobs/event_log.h"
#include "controller/metrics.h"
#include "controller/search/pareto_front.h"
#include "controller/search/strategy.h"
#include "controller/store/store.h"
#include "nasprune/v1/controller.pb.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::controller {

// A trial id, "<job_id>/<index>", split; nullopt when it is not of that
// form (an empty job id, an index that is not a number of 1 to 18 digits).
struct TrialRef {
  std::string job_id;
  int64_t index = 0;
};
std::optional<TrialRef> ParseTrialId(const std::string& trial_id);

class Job {
 public:
  struct Options {
    // Dispatches of one trial before it fails for good. At least 1.
    int max_attempts = 3;
    // Events kept for WatchJob replays.
    int max_retained_events = 10000;
    // Optional; counts the strategy's proposals and refused draws. Must
    // outlive the job.
    ControllerMetrics* metrics = nullptr;
  };

  // A new job: `status` holds a prepared spec (jobspec::PrepareJobSpec),
  // its id and create time. INVALID_ARGUMENT when no strategy can be built.
  static absl::StatusOr<std::unique_ptr<Job>> Create(v1::JobStatus status,
                                                     Options options);
  // A job read back from the store at `now`: its trials (by index) and its
  // last checkpoint. Trials that were queued or running are queued again
  // (their attempts kept). Event sequences continue from `now` in
  // microseconds, above any the job had before. DATA_LOSS when the records
  // do not fit together.
  static absl::StatusOr<std::unique_ptr<Job>> Restore(
      v1::JobStatus status, std::vector<v1::TrialRecord> trials,
      std::optional<v1::StrategyState> checkpoint, Options options,
      absl::Time now);

  const std::string& id() const { return status_.job_id(); }
  // Its last_sequence is the newest event's.
  const v1::JobStatus& status() const { return status_; }
  bool final() const;
  const std::vector<v1::TrialRecord>& trials() const { return trials_; }
  const v1::TrialRecord* FindTrial(const std::string& trial_id) const;
  int running() const { return static_cast<int>(running_.size()); }
  int queued() const { return static_cast<int>(queue_.size()); }
  // The front, with has_model set for points whose model was exported.
  v1::ParetoFront ParetoFront() const;
  // The trial holding the exported model of `trial_id` (itself, or the
  // export trial of a search trial), or nullptr.
  const v1::TrialRecord* ModelTrial(const std::string& trial_id) const;

  // Model retention (export.retain_models): the digests of every model the
  // job's trials kept, and of those it keeps once it has ended (its fronts'
  // and exports'; all of them with MODEL_RETENTION_ALL).
  std::set<std::string> ModelsUsed() const;
  std::set<std::string> ModelsKept() const;
  // The models named were deleted: trials stop naming them.
  void ModelsReleased(const std::set<std::string>& digests);

  // PENDING → RUNNING.
  void Start(absl::Time now);
  // Whether the job could use a worker slot now, with `taken` more trials
  // about to run.
  bool WantsSlot(int taken = 0) const;
  // The next trial to dispatch, creating trials from up to `batch` new
  // proposals when none is queued (within max_parallel, counting `taken`
  // trials about to run); nullopt when there is none now.
  std::optional<int64_t> NextTrial(int batch, absl::Time now, int taken = 0);
  // The request for a trial about to be dispatched (attempts so far + 1),
  // with its cache key for a worker of `evaluator_version`.
  v1::EvaluateRequest Request(int64_t index,
                              const std::string& evaluator_version) const;
  // Puts a trial NextTrial returned back at the head of the queue (no slot
  // was free after all).
  void Requeue(int64_t index);
  // The trial was sent to `worker`: RUNNING, one more attempt. Returns the
  // attempt number.
  int Dispatched(int64_t index, const std::string& worker, absl::Time now);
  // The dispatched trial never ran (its worker had no free slot): queued
  // again at the head, its attempt not counted.
  void NotRun(int64_t index);
  // The cache answered the trial.
  void AnsweredFromCache(int64_t index, const v1::EvaluationResult& result,
                         absl::Time now);

  // What to do after an evaluation event.
  struct Effect {
    // Write this result to the evaluation cache under its key.
    std::optional<std::pair<std::string, v1::EvaluationResult>> cache_put;
    // Stop the running evaluation (early stopping).
    bool stop_evaluation = false;
  };
  // A progress event of the attempt; ignored when stale.
  Effect Progress(int64_t index, int attempt, const v1::TrialProgress& progress,
                  absl::Time now);
  // The end of the attempt: a result or failure event, or the status of a
  // stream that broke. Ignored when stale (the trial moved on).
  Effect Finished(int64_t index, int attempt,
                  const absl::StatusOr<v1::EvaluateEvent>& outcome,
                  absl::Time now);

  // Ends the search or export phase when its work is done, and fails or
  // stops the job when its budget says so. Returns the running trials it
  // cancelled (by index), whose evaluations the caller must stop.
  std::vector<int64_t> Advance(absl::Time now);
  // Ends the job (CANCELLED or FAILED) with `message`. Returns the running
  // trials it cancelled. No effect on a final job.
  std::vector<int64_t> End(v1::JobState state, const std::string& message,
                           absl::Time now);

  // What changed since the last call: the status, the changed trials and a
  // checkpoint; nullopt when nothing did.
  std::optional<JobUpdate> TakeUpdate();
  // The store did not take `update`: write it again with the next one.
  void UntakeUpdate(const JobUpdate& update);
  // Whether changes wait to be written.
  bool unwritten() const {
    return status_dirty_ || checkpoint_dirty_ || !dirty_trials_.empty();
  }

  const EventLog& events() const { return events_; }
  int64_t last_sequence() const { return events_.last_sequence(); }

 private:
  enum class Phase { kSearch, kExport, kDone };

  Job(v1::JobStatus status, std::unique_ptr<SearchStrategy> strategy,
      std::vector<JobParetoFront> fronts, Options options,
      int64_t first_sequence);
  // A job whose strategy and front are built from `status`' spec.
  static absl::StatusOr<std::unique_ptr<Job>> Build(v1::JobStatus status,
                                                    Options options,
                                                    int64_t first_sequence);

  bool IsExportTrial(const v1::TrialRecord& trial) const;
  // Whether the job's trials keep their models (export.retain_models).
  bool KeepsModels() const;
  // An export trial that scores its search trial's kept model.
  bool ScoresKeptModel(const v1::TrialRecord& trial) const;
  // The search trial's result, with what scoring its kept model measured.
  v1::EvaluationResult KeptModelResult(
      const v1::TrialRecord& trial, const v1::EvaluationResult& scored) const;
  // Enters a successful search trial in its rung's front and summary;
  // true when the job's front changed.
  bool Record(const v1::TrialRecord& trial);
  // Merges the rungs' fronts into front_ and sets the status's best from
  // it; true when its points or hypervolume changed.
  bool UpdateFront();
  // Enters the export phase: export trials for the best trials, only those
  // that kept their models when `kept_only`. Returns how many were made.
  int StartExports(bool kept_only, absl::Time now);
  // Sets the trial's parent_trial_id and inherit_model_sha256: its
  // source's for a promotion or export, else from the proposal's parent.
  void SetLineage(const Proposal& proposal, v1::TrialRecord* trial) const;
  // The trial whose kept model `trial` inherits: up its line of parents,
  // the first that kept that model. Null when it inherits nothing.
  const v1::TrialRecord* InheritSource(const v1::TrialRecord& trial) const;
  int64_t AddTrial(const Proposal& proposal, const std::string& promoted_from,
                   absl::Time now);
  // Creates trials from up to `count` proposals; how many it made.
  int ProposeTrials(int count, absl::Time now);
  // Adds one Propose call's draws to the metrics.
  void CountDraws(const DrawCounts& before, const DrawCounts& after);
  // Moves a trial to a final state, keeping the counts and the strategy up
  // to date.
  void Complete(v1::TrialRecord& trial, v1::TrialState state, absl::Time now);
  void RetryOrFail(v1::TrialRecord& trial, v1::TrialFailure failure,
                   absl::Time now);
  void Count(const v1::TrialRecord& trial, int sign);
  // Copies the strategy's screening record into the status, when it has one.
  void RefreshScreening();
  void Emit(v1::JobEvent event);
  void EmitStatus();
  void SetState(v1::JobState state, const std::string& message, absl::Time now);
  void Dirty(const v1::TrialRecord& trial) {
    dirty_trials_.insert(trial.index());
  }
  int64_t MaxFailedTrials() const;

  const Options options_;
  v1::JobStatus status_;
  std::unique_ptr<SearchStrategy> strategy_;
  // One per rung, lowest first.
  std::vector<JobParetoFront> fronts_;
  // Per genome, the highest rung where a trial of it succeeded.
  std::map<std::string, int> genome_rung_;
  // The job's front: fronts_ merged (JobParetoFront::AcrossRungs), without
  // has_model.
  v1::ParetoFront front_;
  int top_rung_ = 0;
  // The job's part of every cache key (jobspec::JobKeyPart).
  std::string key_part_;

  Phase phase_ = Phase::kSearch;
  std::vector<v1::TrialRecord> trials_;  // By index.
  std::deque<int64_t> queue_;
  std::set<int64_t> running_;
  int64_t search_trials_ = 0;
  // The wall budget stopped the search.
  bool wall_stopped_ = false;
  // Set when the strategy proposed nothing; cleared by the next outcome.
  bool proposals_dry_ = false;
  std::map<std::pair<std::string, int>, int64_t> by_genome_rung_;
  std::map<int64_t, int64_t> export_of_;  // Search trial → its export trial.
  // Running trials: their training epochs so far.
  std::map<int64_t, std::vector<v1::EpochMetrics>> curves_;
  std::string last_failure_;

  EventLog events_;

  bool status_dirty_ = false;
  bool checkpoint_dirty_ = false;
  std::set<int64_t> dirty_trials_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_JOB_H_
