#ifndef NASPRUNE_WORKER_SERVICE_SLOTS_H_
#define NASPRUNE_WORKER_SERVICE_SLOTS_H_

// A worker's evaluation slots: which trial runs in which slot, its phase,
// and the means to cancel it. Plain C++ (no gRPC, no LibTorch).
//
// Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"
#include "worker/evaluator/canceller.h"

namespace nasprune::worker {

class SlotTable {
 public:
  explicit SlotTable(int slots);

  // A slot for `trial_id`. RESOURCE_EXHAUSTED when every slot is busy or
  // the table drains; ALREADY_EXISTS when the trial already runs here;
  // INVALID_ARGUMENT for an empty id.
  absl::StatusOr<std::shared_ptr<Canceller>> Acquire(
      const std::string& trial_id);
  enum class Outcome { kSucceeded, kFailed, kCancelled };
  // Frees the trial's slot and counts the outcome (cancellations are not
  // failures). Returns whether a trial was turned away (every slot busy)
  // since the previous release: the controller should hear of the free
  // slot soon.
  bool Release(const std::string& trial_id, Outcome outcome);
  void SetPhase(const std::string& trial_id, v1::Phase phase);
  // True when the trial ran here and was told to stop.
  bool Cancel(const std::string& trial_id);
  // From now on Acquire refuses; running trials go on (Worker.Drain).
  void Drain();
  bool draining() const;

  std::vector<v1::SlotStatus> Snapshot() const;
  std::vector<std::string> Running() const;
  // How many slots run a trial.
  int busy() const;
  int size() const { return size_; }
  int64_t completed() const;
  int64_t failed() const;

 private:
  struct Slot {
    std::string trial_id;  // Empty when free.
    v1::Phase phase = v1::PHASE_UNSPECIFIED;
    std::shared_ptr<Canceller> canceller;
  };
  Slot* Find(const std::string& trial_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int size_;
  mutable absl::Mutex mu_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  bool turned_away_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_SLOTS_H_
