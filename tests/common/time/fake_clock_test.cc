#include "tests/testing/fake_clock.h"

#include <thread>

#include "gtest/gtest.h"

namespace nasprune::testing {
namespace {

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(3));
}

TEST(FakeClock, AWaitEndsWhenItsConditionHolds) {
  FakeClock clock;
  absl::Mutex mu;
  bool ready = false;
  std::thread setter([&] {
    absl::MutexLock lock(&mu);
    ready = true;
  });
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(clock.AwaitWithDeadline(&mu, absl::Condition(&ready),
                                      absl::InfiniteFuture()));
  setter.join();
}

TEST(FakeClock, AWaitEndsWhenAdvanceReachesItsDeadline) {
  FakeClock clock;
  absl::Mutex mu;
  bool never = false;
  bool result = true;
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    result = clock.AwaitWithDeadline(&mu, absl::Condition(&never),
                                     clock.Now() + absl::Seconds(10));
  });
  // The waiter is waiting once it is registered; before that, Advance
  // would leave it nothing to miss (it checks the time first).
  while (clock.waiters() == 0) std::this_thread::yield();
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.waiters(), 1);  // Not there yet.
  clock.Advance(absl::Seconds(5));
  waiter.join();
  EXPECT_FALSE(result);
  EXPECT_EQ(clock.waiters(), 0);
}

}  // namespace
}  // namespace nasprune::testing
