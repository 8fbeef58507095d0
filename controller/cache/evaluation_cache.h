#ifndef NASPRUNE_CONTROLLER_CACHE_EVALUATION_CACHE_H_
#define NASPRUNE_CONTROLLER_CACHE_EVALUATION_CACHE_H_

// The evaluation cache as the scheduler uses it: the store's cache (shared
// by every job, surviving restarts) with the results still on their way to
// the store laid over it, looked up in batches, its hits, misses and errors
// counted (nasprune_cache_requests_total).
//
// Write-behind: Put makes a result answer lookups at once; the store
// writer takes what is pending (TakePending) and the scheduler reports how
// the write went (Written), so a result leaves the overlay only once the
// store has it. An exported model is answered only while its archive is in
// the artifact directory (common/artifacts), since that is what a hit
// would hand out.
//
// Scheduler thread only.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "common/time/clock.h"
#include "controller/metrics.h"
#include "controller/store/store.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::controller {

class EvaluationCache {
 public:
  struct Options {
    // Required; must outlive the cache.
    Store* store = nullptr;
    // Optional; must outlive the cache.
    ControllerMetrics* metrics = nullptr;
    Clock* clock = Clock::Real();
    // Where exported models are; empty: an export is never a hit.
    std::string artifact_dir;
  };

  explicit EvaluationCache(Options options) : options_(std::move(options)) {}

  struct Query {
    std::string key;
    // The result must carry a model that is in the artifact directory.
    // Otherwise a hit whose model is no longer there is answered without
    // it (artifact_sha256 cleared).
    bool needs_model = false;
  };
  // The results of `queries`, in order: nullopt for a miss or an error.
  // The overlay answers first; the rest are read with one batched read
  // (one unreadable value makes only its own key miss). With `read_store`
  // false (the store is failing) only the overlay answers, and the rest
  // count as errors.
  std::vector<std::optional<v1::EvaluationResult>> Lookup(
      const std::vector<Query>& queries, bool read_store);

  // A result to write under `key`; it answers lookups from now on.
  void Put(const std::string& key, const v1::EvaluationResult& result);
  // The results not yet handed to the writer, oldest first; they stay in
  // the overlay until Written says the store has them.
  std::vector<Store::CacheEntry> TakePending();
  // How the write of what TakePending last returned went: `unwritten` (in
  // order) goes first in the next write; the rest leaves the overlay unless
  // a newer result for its key is pending.
  void Written(std::vector<Store::CacheEntry> unwritten);

  size_t pending() const { return pending_.size(); }
  size_t overlay_size() const { return overlay_.size(); }

 private:
  // The store's answers for `keys`, in order, or its error.
  absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>> ReadStore(
      const std::vector<std::string>& keys);

  const Options options_;
  // Results not known to be in the store, by key.
  std::unordered_map<std::string, v1::EvaluationResult> overlay_;
  std::vector<Store::CacheEntry> pending_;  // Not handed to the writer.
  std::vector<std::string> writing_;        // Keys handed to the writer.
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_CACHE_EVALUATION_CACHE_H_
