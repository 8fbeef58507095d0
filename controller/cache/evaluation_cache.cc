#include "controller/cache/evaluation_cache.h"

#include <iterator>
#include <set>
#include <utility>

#include "common/artifacts/artifacts.h"

namespace nasprune::controller {

std::vector<std::optional<v1::EvaluationResult>> EvaluationCache::Lookup(
    const std::vector<Query>& queries, bool read_store) {
  ControllerMetrics* m = options_.metrics;
  std::vector<std::optional<v1::EvaluationResult>> results(queries.size());
  std::vector<size_t> asked;
  std::vector<std::string> keys;
  for (size_t i = 0; i < queries.size(); ++i) {
    auto it = overlay_.find(queries[i].key);
    if (it != overlay_.end()) {
      results[i] = it->second;
    } else {
      asked.push_back(i);
      keys.push_back(queries[i].key);
    }
  }
  std::vector<bool> errors(queries.size(), false);
  if (!keys.empty()) {
    absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>> read =
        read_store ? ReadStore(keys)
                   : absl::UnavailableError("the store is in backoff");
    for (size_t j = 0; j < asked.size(); ++j) {
      if (read.ok()) {
        results[asked[j]] = std::move((*read)[j]);
      } else {
        errors[asked[j]] = true;
      }
    }
    if (m && !read.ok()) {
      m->cache_requests.Labels({"error"}).Increment(keys.size());
    }
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    std::optional<v1::EvaluationResult>& result = results[i];
    if (result.has_value() &&
        !artifacts::Has(options_.artifact_dir, result->artifact_sha256())) {
      // Its model is gone (or was never kept): the figures still hold for a
      // search trial, not for an export.
      if (queries[i].needs_model) {
        result.reset();
      } else {
        result->clear_artifact_sha256();
      }
    }
    if (m && !errors[i]) {
      m->cache_requests.Labels({result ? "hit" : "miss"}).Increment();
    }
  }
  return results;
}

absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>>
EvaluationCache::ReadStore(const std::vector<std::string>& keys) {
  const absl::Time start = options_.clock->Now();
  absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>> read =
      options_.store->GetCachedResults(keys);
  if (!read.ok() && read.status().code() == absl::StatusCode::kDataLoss) {
    // One unreadable value: the keys one by one, so that only it misses
    // (its trial's result will overwrite it).
    read = std::vector<std::optional<v1::EvaluationResult>>();
    for (const std::string& key : keys) {
      absl::StatusOr<std::optional<v1::EvaluationResult>> one =
          options_.store->GetCachedResult(key);
      read->push_back(one.ok() ? *std::move(one) : std::nullopt);
    }
  }
  if (ControllerMetrics* m = options_.metrics) {
    m->cache_lookup_seconds.Observe(
        absl::ToDoubleSeconds(options_.clock->Now() - start));
    if (!read.ok()) m->store_errors.Increment();
  }
  return read;
}

void EvaluationCache::Put(const std::string& key,
                          const v1::EvaluationResult& result) {
  overlay_[key] = result;
  pending_.emplace_back(key, result);
}

std::vector<Store::CacheEntry> EvaluationCache::TakePending() {
  std::vector<Store::CacheEntry> taken;
  taken.swap(pending_);
  writing_.clear();
  for (const Store::CacheEntry& entry : taken) writing_.push_back(entry.first);
  return taken;
}

void EvaluationCache::Written(std::vector<Store::CacheEntry> unwritten) {
  std::set<std::string> kept;
  for (const Store::CacheEntry& entry : unwritten) kept.insert(entry.first);
  for (const Store::CacheEntry& entry : pending_) kept.insert(entry.first);
  for (const std::string& key : writing_) {
    if (!kept.contains(key)) overlay_.erase(key);
  }
  writing_.clear();
  pending_.insert(pending_.begin(), std::make_move_iterator(unwritten.begin()),
                  std::make_move_iterator(unwritten.end()));
}

}  // namespace nasprune::controller
