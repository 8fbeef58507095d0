#ifndef NASPRUNE_CONTROLLER_STORE_REDIS_STORE_H_
#define NASPRUNE_CONTROLLER_STORE_REDIS_STORE_H_

// The Store in Redis (docs/store.md has the key schema). Records are
// serialized protos. Run Redis with AOF persistence (appendonly yes):
// nothing the store acknowledged is then lost when Redis restarts.
//
// When Redis is unreachable, calls fail with UNAVAILABLE; the next call
// reconnects. A transaction whose reply was lost may be retried once on a
// new connection; every write is idempotent, so that is harmless.

#include <memory>
#include <string>

#include "common/redis/redis_client.h"
#include "controller/store/store.h"

namespace nasprune::controller {

class RedisStore : public Store {
 public:
  struct Options {
    redis::RedisClient::Options redis;
    // Prefix of every key; tests give each run its own.
    std::string key_prefix = "nasprune:v1:";
  };

  // UNAVAILABLE when Redis cannot be reached.
  static absl::StatusOr<std::unique_ptr<RedisStore>> Connect(Options options);

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
  RedisStore(Options options, std::unique_ptr<redis::RedisClient> client)
      : options_(std::move(options)), client_(std::move(client)) {}
  // The record at string `key`, or nullopt; DATA_LOSS when it is corrupt.
  template <typename Message>
  absl::StatusOr<std::optional<Message>> GetOptional(const std::string& key);
  // Every value of hash `key`, unordered.
  template <typename Message>
  absl::StatusOr<std::vector<Message>> HashValues(const std::string& key);
  std::string CacheKey(const std::string& key) const;
  std::string JobsKey() const;
  std::string TrialsKey(const std::string& job_id) const;
  std::string CheckpointKey(const std::string& job_id) const;

  Options options_;
  std::unique_ptr<redis::RedisClient> client_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_STORE_REDIS_STORE_H_
