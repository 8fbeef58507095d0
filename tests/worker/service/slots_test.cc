#include "worker/service/slots.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace nasprune::worker {
namespace {

TEST(SlotTable, FillsUpThenRefusesWithResourceExhausted) {
  SlotTable slots(2);
  ASSERT_TRUE(slots.Acquire("j/0").ok());
  EXPECT_EQ(slots.Acquire("j/0").status().code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(slots.Acquire("j/1").ok());
  EXPECT_EQ(slots.Acquire("j/2").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(slots.Acquire("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(slots.Running(), (std::vector<std::string>{"j/0", "j/1"}));
  EXPECT_EQ(slots.busy(), 2);
  // The release after a refusal says so, once.
  EXPECT_TRUE(slots.Release("j/0", SlotTable::Outcome::kSucceeded));
  EXPECT_FALSE(slots.Release("j/1", SlotTable::Outcome::kFailed));
  EXPECT_FALSE(slots.Release("unknown", SlotTable::Outcome::kSucceeded));
  EXPECT_TRUE(slots.Running().empty());
  EXPECT_EQ(slots.busy(), 0);
  EXPECT_EQ(slots.completed(), 1);
  EXPECT_EQ(slots.failed(), 1);
  ASSERT_TRUE(slots.Acquire("j/2").ok());
  slots.Release("j/2", SlotTable::Outcome::kCancelled);
  EXPECT_EQ(slots.completed(), 1);
  EXPECT_EQ(slots.failed(), 1);
}

TEST(SlotTable, ADrainingTableRefusesNewTrialsAndLetsRunningOnesEnd) {
  SlotTable slots(2);
  ASSERT_TRUE(slots.Acquire("j/0").ok());
  EXPECT_FALSE(slots.draining());
  slots.Drain();
  EXPECT_TRUE(slots.draining());
  const absl::Status refused = slots.Acquire("j/1").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("drains"), std::string::npos) << refused;
  EXPECT_EQ(slots.Running(), (std::vector<std::string>{"j/0"}));
  slots.Release("j/0", SlotTable::Outcome::kSucceeded);
  EXPECT_EQ(slots.completed(), 1);
  EXPECT_EQ(slots.Acquire("j/1").status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(SlotTable, SnapshotShowsTrialsAndPhases) {
  SlotTable slots(3);
  ASSERT_TRUE(slots.Acquire("j/7").ok());
  slots.SetPhase("j/7", v1::PHASE_TRAIN);
  const std::vector<v1::SlotStatus> snapshot = slots.Snapshot();
  ASSERT_EQ(snapshot.size(), 3u);
  EXPECT_EQ(snapshot[0].trial_id(), "j/7");
  EXPECT_EQ(snapshot[0].phase(), v1::PHASE_TRAIN);
  EXPECT_EQ(snapshot[1].index(), 1);
  EXPECT_TRUE(snapshot[1].trial_id().empty());
}

TEST(SlotTable, CancelReachesTheRegisteredHookOnceRegistered) {
  SlotTable slots(1);
  auto canceller = slots.Acquire("j/0");
  ASSERT_TRUE(canceller.ok());
  EXPECT_FALSE(slots.Cancel("j/9"));
  EXPECT_FALSE(slots.Cancel(""));
  int stops = 0;
  (*canceller)->OnCancel([&] { ++stops; });
  EXPECT_TRUE(slots.Cancel("j/0"));
  EXPECT_EQ(stops, 1);
  EXPECT_TRUE((*canceller)->cancelled());
  // A hook registered after the cancel runs at once.
  int late = 0;
  (*canceller)->OnCancel([&] { ++late; });
  EXPECT_EQ(late, 1);
}

TEST(Canceller, WaitUntilEndsAtTheDeadlineOrTheCancellation) {
  Canceller canceller;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(canceller.WaitUntil(start + std::chrono::milliseconds(20)));
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(20));
  std::thread cancel([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    canceller.Cancel();
  });
  // Would wait an hour without the cancellation.
  EXPECT_TRUE(canceller.WaitUntil(std::chrono::steady_clock::now() +
                                  std::chrono::hours(1)));
  cancel.join();
  EXPECT_TRUE(canceller.WaitUntil(std::chrono::steady_clock::now()));
}

}  // namespace
}  // namespace nasprune::worker
