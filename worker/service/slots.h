#ifndef NASPRUNE_WORKER_SERVICE_SLOTS_H_
#define NASPRUNE_WORKER_SERVICE_SLOTS_H_

// A worker's evaluation slots: which trial runs in which slot, its phase,
// and the means to cancel it. Plain C++ (no gRPC, no LibTorch).
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nasprune/v1/job.pb.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::worker {

// Cancellation of one evaluation. The evaluation registers how to stop
// itself (OnCancel); Cancel runs that hook at once, or as soon as one is
// registered. Thread-safe.
class Canceller {
 public:
  void Cancel();
  bool cancelled() const;
  // Waits until `deadline` or the cancellation, whichever comes first;
  // whether it is cancelled.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline);
  // Replaces the hook (null clears it); runs it now when already cancelled.
  void OnCancel(std::function<void()> hook);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::function<void()> hook_;
};

class SlotTable {
 public:
  explicit SlotTable(int slots);

  // A slot for `trial_id`. RESOURCE_EXHAUSTED when every slot is busy;
  // ALREADY_EXISTS when the trial already runs here; INVALID_ARGUMENT for
  // an empty id.
  absl::StatusOr<std::shared_ptr<Canceller>> Acquire(
      const std::string& trial_id);
  enum class Outcome { kSucceeded, kFailed, kCancelled };
  // Frees the trial's slot and counts the outcome (cancellations are not
  // failures).
  void Release(const std::string& trial_id, Outcome outcome);
  void SetPhase(const std::string& trial_id, v1::Phase phase);
  // True when the trial ran here and was told to stop.
  bool Cancel(const std::string& trial_id);

  std::vector<v1::SlotStatus> Snapshot() const;
  std::vector<std::string> Running() const;
  int size() const { return static_cast<int>(slots_.size()); }
  int64_t completed() const;
  int64_t failed() const;

 private:
  struct Slot {
    std::string trial_id;  // Empty when free.
    v1::Phase phase = v1::PHASE_UNSPECIFIED;
    std::shared_ptr<Canceller> canceller;
  };
  Slot* Find(const std::string& trial_id);

  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  int64_t completed_ = 0;
  int64_t failed_ = 0;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_SLOTS_H_
