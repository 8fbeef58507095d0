#ifndef NASPRUNE_COMMON_TIME_CLOCK_H_
#define NASPRUNE_COMMON_TIME_CLOCK_H_

// Where the controller and the worker get the time, and how they wait for
// it: every component that expires, retries, backs off or heartbeats takes a
// Clock* in its Options, so tests drive time (tests/testing/fake_clock.h)
// instead of sleeping.
//
// Thread-safe.

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace nasprune {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() = 0;

  // With `mu` held: waits until `condition` holds (it is evaluated whenever
  // `mu` is released, as absl::Mutex::Await does) or the clock reaches
  // `deadline`, whichever comes first; `mu` is held again on return.
  // Returns whether `condition` holds.
  virtual bool AwaitWithDeadline(absl::Mutex* mu,
                                 const absl::Condition& condition,
                                 absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;

  // The system clock, shared by the whole process (never deleted).
  static Clock* Real();
};

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_TIME_CLOCK_H_
