#ifndef NASPRUNE_WORKER_PRUNE_PARENT_STORE_H_
#define NASPRUNE_WORKER_PRUNE_PARENT_STORE_H_

// Trained, unpruned parents kept for reuse: evaluating another pruning plan
// of the same architecture (same recipe, data set, fidelity and seed) starts
// from the stored parent instead of training it again, which is what makes
// pruning-only jobs and joint search affordable (docs/pruning.md).
//
// The store keeps parents in memory, least recently used first out beyond a
// byte budget, and, when given a directory, also on disk so that they
// survive a worker restart and are shared by evaluations run from the
// command line. The key is chosen by the caller (worker/evaluator hashes the
// architecture, recipe, data set, fidelity, seed, device and evaluator
// version) and must be a file-name-safe string.
//
// Thread-safe: every method may be called from any thread.

#include <torch/torch.h>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "worker/model/network.h"
#include "worker/train/trainer.h"

namespace nasprune::worker {

// What is kept of a trained parent: its parameters and buffers (on the CPU)
// and what its training measured.
struct TrainedParent {
  std::vector<std::pair<std::string, torch::Tensor>> state;
  std::vector<EpochStats> epochs;
  double val_loss = 0;
  double val_accuracy = 0;
  double train_seconds = 0;
  double train_samples_per_second = 0;

  int64_t bytes() const;
};

// The parent's current parameters and buffers, copied to the CPU.
std::vector<std::pair<std::string, torch::Tensor>> CaptureState(
    NetworkImpl& network);

// Copies a captured state into `network` (same plan). Throws
// std::invalid_argument when names or shapes differ.
void RestoreState(
    const std::vector<std::pair<std::string, torch::Tensor>>& state,
    NetworkImpl& network);

class ParentStore {
 public:
  struct Options {
    // In-memory budget; the least recently used parents go first.
    int64_t capacity_bytes = int64_t{1} << 30;
    // When not empty, parents are also written to and read from here.
    std::string directory;
  };

  explicit ParentStore(Options options);

  // The parent stored under `key`, from memory or disk, or null.
  std::shared_ptr<const TrainedParent> Find(const std::string& key);

  // Stores (replacing) a parent. Disk write failures are reported on
  // stderr and otherwise ignored: the store is a cache.
  void Put(const std::string& key, std::shared_ptr<const TrainedParent> parent);

  int64_t memory_bytes() const;
  int64_t hits() const;
  int64_t misses() const;

 private:
  void Insert(const std::string& key,
              std::shared_ptr<const TrainedParent> parent);
  std::shared_ptr<const TrainedParent> Load(const std::string& key) const;
  void Save(const std::string& key, const TrainedParent& parent) const;

  const Options options_;
  mutable std::mutex mutex_;
  // Most recently used first.
  std::list<std::pair<std::string, std::shared_ptr<const TrainedParent>>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
  int64_t bytes_ = 0;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_PRUNE_PARENT_STORE_H_
