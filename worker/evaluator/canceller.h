#ifndef NASPRUNE_WORKER_EVALUATOR_CANCELLER_H_
#define NASPRUNE_WORKER_EVALUATOR_CANCELLER_H_

// Cancellation of one evaluation. The evaluation registers how to stop
// itself (OnCancel: the LibTorch pipeline sets its CancellationToken) or
// waits on it (WaitUntil: the synthetic evaluator's sleep); Cancel runs the
// hook at once, or as soon as one is registered, and wakes the waits.
//
// Thread-safe: Cancel comes from the RPC's cancellation callback or the
// registrar, the hook and the waits from the evaluation's thread.

#include <chrono>
#include <functional>

#include "absl/synchronization/mutex.h"

namespace nasprune::worker {

class Canceller {
 public:
  void Cancel();
  bool cancelled() const;
  // Waits until `deadline` or the cancellation, whichever comes first;
  // whether it is cancelled.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline);
  // Replaces the hook (null clears it); runs it now when already cancelled.
  // The hook runs without locks held, possibly on another thread just as
  // the evaluation ends: it must own what it touches.
  void OnCancel(std::function<void()> hook);

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_EVALUATOR_CANCELLER_H_
