#include "controller/store/memory_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

namespace nasprune::controller {

void SortJobs(std::vector<v1::JobStatus>* jobs) {
  std::sort(jobs->begin(), jobs->end(), [](const auto& a, const auto& b) {
    const auto ta =
        std::make_pair(a.create_time().seconds(), a.create_time().nanos());
    const auto tb =
        std::make_pair(b.create_time().seconds(), b.create_time().nanos());
    return ta != tb ? ta < tb : a.job_id() < b.job_id();
  });
}

void SortTrials(std::vector<v1::TrialRecord>* trials) {
  std::sort(trials->begin(), trials->end(),
            [](const auto& a, const auto& b) { return a.index() < b.index(); });
}

absl::StatusOr<std::optional<v1::EvaluationResult>> Store::GetCachedResult(
    const std::string& cache_key) {
  absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>> results =
      GetCachedResults({cache_key});
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

absl::Status Store::PutCachedResult(const std::string& cache_key,
                                    const v1::EvaluationResult& result) {
  return PutCachedResults({{cache_key, result}});
}

absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>>
MemoryStore::GetCachedResults(const std::vector<std::string>& cache_keys) {
  absl::MutexLock lock(&mu_);
  std::vector<std::optional<v1::EvaluationResult>> results;
  for (const std::string& key : cache_keys) {
    const auto it = cache_.find(key);
    results.push_back(it == cache_.end()
                          ? std::nullopt
                          : std::optional<v1::EvaluationResult>(it->second));
  }
  return results;
}

absl::Status MemoryStore::PutCachedResults(
    const std::vector<CacheEntry>& entries) {
  absl::MutexLock lock(&mu_);
  for (const auto& [key, result] : entries) cache_[key] = result;
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateJob(const v1::JobStatus& job) {
  absl::MutexLock lock(&mu_);
  if (const auto it = jobs_.find(job.job_id()); it != jobs_.end()) {
    if (google::protobuf::util::MessageDifferencer::Equals(it->second.status,
                                                           job)) {
      return absl::OkStatus();
    }
    return absl::AlreadyExistsError(
        absl::StrCat("job ", job.job_id(), " already exists"));
  }
  jobs_[job.job_id()].status = job;
  return absl::OkStatus();
}

absl::StatusOr<v1::JobStatus> MemoryStore::GetJob(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  return it->second.status;
}

absl::StatusOr<std::vector<v1::JobStatus>> MemoryStore::ListJobs() {
  absl::MutexLock lock(&mu_);
  std::vector<v1::JobStatus> out;
  for (const auto& [id, job] : jobs_) out.push_back(job.status);
  SortJobs(&out);
  return out;
}

absl::Status MemoryStore::Commit(const std::string& job_id,
                                 const JobUpdate& update) {
  absl::MutexLock lock(&mu_);
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  if (update.job) it->second.status = *update.job;
  for (const v1::TrialRecord& t : update.trials) {
    it->second.trials[t.trial_id()] = t;
  }
  if (update.checkpoint) it->second.checkpoint = update.checkpoint;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::TrialRecord>> MemoryStore::ListTrials(
    const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::TrialRecord> out;
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return out;
  for (const auto& [id, t] : it->second.trials) out.push_back(t);
  SortTrials(&out);
  return out;
}

absl::StatusOr<std::optional<v1::StrategyState>> MemoryStore::GetCheckpoint(
    const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.checkpoint;
}

}  // namespace nasprune::controller
