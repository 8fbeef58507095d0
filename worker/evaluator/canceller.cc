#include "worker/evaluator/canceller.h"

#include <utility>

#include "absl/time/time.h"

namespace nasprune::worker {

void Canceller::Cancel() {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    hook = hook_;
  }
  if (hook) hook();
}

bool Canceller::WaitUntil(std::chrono::steady_clock::time_point deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  absl::MutexLock lock(&mu_);
  if (left > std::chrono::steady_clock::duration::zero()) {
    mu_.AwaitWithTimeout(absl::Condition(&cancelled_), absl::FromChrono(left));
  }
  return cancelled_;
}

bool Canceller::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

void Canceller::OnCancel(std::function<void()> hook) {
  bool run_now = false;
  {
    absl::MutexLock lock(&mu_);
    hook_ = hook;
    run_now = cancelled_ && hook_;
  }
  if (run_now) hook();
}

}  // namespace nasprune::worker
