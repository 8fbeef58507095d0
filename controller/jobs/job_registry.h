#ifndef NASPRUNE_CONTROLLER_JOBS_JOB_REGISTRY_H_
#define NASPRUNE_CONTROLLER_JOBS_JOB_REGISTRY_H_

// The controller's jobs: by id and in creation order, behind one reader/
// writer lock; how a job gets its id and is created (idempotent per
// request id); and the API's reads of them (lookup, paging, the front, the
// model of a trial). No gRPC: the NasController service calls these.
//
// Threads. RPC threads call the API methods, which take the lock shared
// (Submit takes it exclusively to add a job). The scheduler thread changes
// jobs under the exclusive lock (mu()); a Job is only ever touched with the
// lock held.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"
#include "controller/jobs/job.h"
#include "controller/metrics.h"
#include "controller/store/store.h"
#include "nasprune/v1/controller.pb.h"

namespace nasprune::controller {

class JobRegistry {
 public:
  struct Options {
    // Required; must outlive the registry.
    Store* store = nullptr;
    // Optional; must outlive the registry.
    ControllerMetrics* metrics = nullptr;
    Clock* clock = Clock::Real();
    // Where workers publish exported models (common/artifacts); empty:
    // models cannot be downloaded.
    std::string artifact_dir;
    Job::Options job;
  };

  // Reads every job back from the store. Fails when the store cannot be
  // read; a job whose records are unusable is skipped with a log line.
  static absl::StatusOr<std::unique_ptr<JobRegistry>> Create(Options options);

  // The API (controller.proto). INVALID_ARGUMENT naming the field for a bad
  // request, NOT_FOUND for an unknown job or trial.
  //
  // Submit returns once the job is in the store (UNAVAILABLE when the store
  // refuses it; a write that timed out may still have landed, so clients
  // retry with a request_id). A request_id names the job: the same id with
  // the same spec returns the first job, with another spec (another name
  // included) ALREADY_EXISTS naming it. (Two controllers on one store could
  // each create a job for one request_id under different names; a
  // deployment runs one controller.)
  absl::StatusOr<v1::JobStatus> Submit(const v1::SubmitJobRequest& request);
  absl::StatusOr<v1::JobStatus> GetJob(const v1::GetJobRequest& request);
  absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const v1::ListJobsRequest& request);
  absl::StatusOr<v1::ListTrialsResponse> ListTrials(
      const v1::ListTrialsRequest& request);
  absl::StatusOr<v1::ParetoFront> GetParetoFront(
      const v1::GetParetoFrontRequest& request);
  // A trial's exported model, its bytes verified against its digest:
  // FAILED_PRECONDITION when it has none (not exported, or the file is not
  // in the artifact directory), DATA_LOSS when the file is damaged.
  struct Model {
    std::string data;
    std::string sha256;
  };
  absl::StatusOr<Model> ReadModel(const v1::DownloadModelRequest& request);

  // INVALID_ARGUMENT ("job_id: required") for an empty id.
  static absl::Status CheckJobId(const std::string& job_id);

  absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }
  // The job, or nullptr.
  Job* Find(const std::string& job_id) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The job, or INVALID_ARGUMENT for an empty id and NOT_FOUND for an
  // unknown one (both naming job_id).
  absl::StatusOr<Job*> Require(const std::string& job_id)
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Every job, oldest first (fair-share ties go to the older job).
  const std::vector<Job*>& jobs() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return order_;
  }

 private:
  explicit JobRegistry(Options options) : options_(std::move(options)) {}
  // Creates the job of `status` (a prepared spec, no id yet) in the store
  // under an id; the stored status: `status` with its id
  // (`*created_here`), or an earlier one for a repeated request_id.
  absl::StatusOr<v1::JobStatus> CreateInStore(v1::JobStatus status,
                                              const std::string& request_id,
                                              bool* created_here);
  void Add(std::unique_ptr<Job> job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> by_id_ ABSL_GUARDED_BY(mu_);
  std::vector<Job*> order_ ABSL_GUARDED_BY(mu_);
  // Jobs by the 12 hex digits that end their id (a request id's hash).
  std::map<std::string, Job*> by_suffix_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_JOB_REGISTRY_H_
