#ifndef NASPRUNE_CONTROLLER_STORE_MEMORY_STORE_H_
#define NASPRUNE_CONTROLLER_STORE_MEMORY_STORE_H_

// The in-memory Store, for unit tests. Nothing survives the process.

#include <map>

#include "absl/synchronization/mutex.h"
#include "controller/store/store.h"

namespace nasprune::controller {

class MemoryStore : public Store {
 public:
  absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>>
  GetCachedResults(const std::vector<std::string>& cache_keys) override;
  absl::Status PutCachedResults(
      const std::vector<CacheEntry>& entries) override;
  absl::Status CreateJob(const v1::JobStatus& job) override;
  absl::StatusOr<v1::JobStatus> GetJob(const std::string& job_id) override;
  absl::StatusOr<std::vector<v1::JobStatus>> ListJobs() override;
  absl::Status Commit(const std::string& job_id,
                      const JobUpdate& update) override;
  absl::StatusOr<std::vector<v1::TrialRecord>> ListTrials(
      const std::string& job_id) override;
  absl::StatusOr<std::optional<v1::StrategyState>> GetCheckpoint(
      const std::string& job_id) override;

 private:
  struct Job {
    v1::JobStatus status;
    std::map<std::string, v1::TrialRecord> trials;
    std::optional<v1::StrategyState> checkpoint;
  };
  absl::Mutex mu_;
  std::map<std::string, v1::EvaluationResult> cache_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_STORE_MEMORY_STORE_H_
