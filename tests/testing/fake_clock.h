#ifndef NASPRUNE_TESTS_TESTING_FAKE_CLOCK_H_
#define NASPRUNE_TESTS_TESTING_FAKE_CLOCK_H_

// A Clock that moves only when the test says so. Waits on it end when their
// condition holds (as with the real clock) or when Advance brings the time
// to their deadline.
//
// Thread-safe. Advance must not run while an object whose mutex is waiting
// on this clock is being destroyed (tests advance and destroy on one
// thread).

#include <set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace nasprune::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000))
      : now_(start) {}

  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  // Moves the time forward by `d` and wakes the waits it reaches.
  void Advance(absl::Duration d) {
    std::vector<absl::Mutex*> waiting;
    {
      absl::MutexLock lock(&mu_);
      now_ += d;
      waiting.assign(waiters_.begin(), waiters_.end());
    }
    // Releasing a mutex re-evaluates the conditions of its waiters.
    for (absl::Mutex* mu : waiting) {
      mu->Lock();
      mu->Unlock();
    }
  }

  // Waits started and not yet ended.
  int waiters() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(waiters_.size());
  }

  bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& condition,
                         absl::Time deadline) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    {
      absl::MutexLock lock(&mu_);
      waiters_.insert(mu);
    }
    struct Wait {
      FakeClock* clock;
      const absl::Condition* condition;
      absl::Time deadline;
      bool Done() const {
        return condition->Eval() || clock->Now() >= deadline;
      }
    } wait{this, &condition, deadline};
    mu->Await(absl::Condition(&wait, &Wait::Done));
    {
      absl::MutexLock lock(&mu_);
      waiters_.erase(waiters_.find(mu));
    }
    return condition.Eval();
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::multiset<absl::Mutex*> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_TESTING_FAKE_CLOCK_H_
