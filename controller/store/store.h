#ifndef NASPRUNE_CONTROLLER_STORE_STORE_H_
#define NASPRUNE_CONTROLLER_STORE_STORE_H_

// What the controller keeps: the evaluation cache (shared by every job),
// job records, trial records and strategy checkpoints. Redis is the store of
// truth in production (redis_store.h); an in-memory store implements the
// same interface for unit tests (memory_store.h), and both pass one
// contract test suite (tests/controller/store/store_contract_test.cc).
//
// Trial records are keyed by trial id, so writing one again replaces it: a
// result that arrives twice is recorded once. Commit writes a job's status,
// trials and checkpoint all or nothing.
//
// Implementations are thread-safe.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/search.pb.h"

namespace nasprune::controller {

// A job's changes, written together.
struct JobUpdate {
  std::optional<v1::JobStatus> job;     // Replaces the job's record.
  std::vector<v1::TrialRecord> trials;  // Each replaces its trial id's.
  std::optional<v1::StrategyState> checkpoint;
};

class Store {
 public:
  virtual ~Store() = default;

  // The cached results of evaluations, in key order (nullopt for a miss);
  // one round trip to Redis however many keys.
  virtual absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>>
  GetCachedResults(const std::vector<std::string>& cache_keys) = 0;
  // Writes results under their keys, in one round trip.
  using CacheEntry = std::pair<std::string, v1::EvaluationResult>;
  virtual absl::Status PutCachedResults(
      const std::vector<CacheEntry>& entries) = 0;
  // One key of the above.
  absl::StatusOr<std::optional<v1::EvaluationResult>> GetCachedResult(
      const std::string& cache_key);
  absl::Status PutCachedResult(const std::string& cache_key,
                               const v1::EvaluationResult& result);

  // Records a new job. ALREADY_EXISTS when its id is taken by another
  // record (creating the identical record again succeeds, so a retry is
  // harmless).
  virtual absl::Status CreateJob(const v1::JobStatus& job) = 0;
  // NOT_FOUND for an unknown id.
  virtual absl::StatusOr<v1::JobStatus> GetJob(const std::string& job_id) = 0;
  // Every job, oldest first (by create time, then id).
  virtual absl::StatusOr<std::vector<v1::JobStatus>> ListJobs() = 0;

  // Writes a job's changes all or nothing. NOT_FOUND when the job was never
  // created.
  virtual absl::Status Commit(const std::string& job_id,
                              const JobUpdate& update) = 0;
  // The job's trials by index.
  virtual absl::StatusOr<std::vector<v1::TrialRecord>> ListTrials(
      const std::string& job_id) = 0;
  // The job's last checkpoint, or nullopt.
  virtual absl::StatusOr<std::optional<v1::StrategyState>> GetCheckpoint(
      const std::string& job_id) = 0;
};

// Sorts jobs oldest first and trials by index: the order both stores
// return.
void SortJobs(std::vector<v1::JobStatus>* jobs);
void SortTrials(std::vector<v1::TrialRecord>* trials);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_STORE_STORE_H_
