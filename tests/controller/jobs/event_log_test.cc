#include "controller/jobs/event_log.h"

#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

v1::JobEvent Progress(int epoch) {
  v1::JobEvent event;
  event.mutable_trial_progress()->mutable_epoch()->set_epoch(epoch);
  return event;
}

TEST(EventLog, NumbersEventsFromItsFirstSequence) {
  EventLog log(/*max_retained=*/10, /*first_sequence=*/5);
  EXPECT_EQ(log.last_sequence(), 4);
  EXPECT_EQ(log.first_retained(), 5);
  EXPECT_EQ(log.Append(Progress(1)), 5);
  EXPECT_EQ(log.Append(Progress(2)), 6);
  EXPECT_EQ(log.last_sequence(), 6);
  EXPECT_EQ(log.first_retained(), 5);
}

TEST(EventLog, ReplaysAfterASequenceInOrderUpToAMaximum) {
  EventLog log(10);
  for (int i = 1; i <= 5; ++i) log.Append(Progress(i));
  std::vector<v1::JobEvent> after = log.After(2, 100);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0].sequence(), 3);
  EXPECT_EQ(after[2].sequence(), 5);
  EXPECT_EQ(log.After(0, 2).size(), 2u);
  EXPECT_TRUE(log.After(5, 100).empty());
  EXPECT_TRUE(log.After(99, 100).empty());
}

TEST(EventLog, KeepsOnlyTheNewestAndReplaysAGapFromTheOldestKept) {
  EventLog log(3);
  for (int i = 1; i <= 10; ++i) log.Append(Progress(i));
  EXPECT_EQ(log.first_retained(), 8);
  std::vector<v1::JobEvent> after = log.After(2, 100);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0].sequence(), 8);
  EXPECT_EQ(after[0].trial_progress().epoch().epoch(), 8);
}

}  // namespace
}  // namespace nasprune::controller
