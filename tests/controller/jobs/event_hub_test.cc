// Where a watch starts, what it replays, and when watchers are told.

#include "controller/jobs/event_hub.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller {
namespace {

using testing::FlakyStore;
using testing::ResultFor;
using testing::Spec;

class EventHubTest : public ::testing::Test {
 protected:
  EventHubTest() {
    registry_ = *JobRegistry::Create({.store = &store_, .clock = &clock_});
    hub_ = std::make_unique<EventHub>(registry_.get());
    v1::SubmitJobRequest request;
    *request.mutable_spec() = Spec("", 2);
    id_ = registry_->Submit(request)->job_id();
  }

  // Starts the job and runs its first trial to a result: events 2 to 4.
  void RunOneTrial() {
    absl::MutexLock lock(&registry_->mu());
    Job* job = registry_->Find(id_);
    job->Start(clock_.Now());
    const int64_t index = *job->NextTrial(1, clock_.Now());
    v1::EvaluateRequest request = job->Request(index, "synthetic-1");
    job->Dispatched(index, "w", clock_.Now());
    job->Finished(index, 1, ResultFor(request), clock_.Now());
  }

  v1::WatchJobRequest Watch(int64_t after = 0, bool from_first = false) {
    v1::WatchJobRequest request;
    request.set_job_id(id_);
    request.set_after_sequence(after);
    request.set_from_first_event(from_first);
    return request;
  }

  int64_t LastSequence() {
    absl::ReaderMutexLock lock(&registry_->mu());
    return registry_->Find(id_)->last_sequence();
  }

  FlakyStore store_;
  nasprune::testing::FakeClock clock_;
  std::unique_ptr<JobRegistry> registry_;
  std::unique_ptr<EventHub> hub_;
  std::string id_;
};

TEST_F(EventHubTest, AFreshWatchOpensWithASnapshotThatIsNotAnEvent) {
  RunOneTrial();
  absl::StatusOr<EventHub::Start> start = hub_->Open(Watch());
  ASSERT_TRUE(start.ok());
  ASSERT_TRUE(start->snapshot.has_value());
  EXPECT_EQ(start->snapshot->sequence(), 0);
  EXPECT_EQ(start->snapshot->status().state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(start->snapshot->status().last_sequence(), LastSequence());
  EXPECT_EQ(start->after, LastSequence());
  EXPECT_TRUE(hub_->Read(id_, start->after, 100)->events.empty());
}

TEST_F(EventHubTest, AWatchFromTheFirstEventSeesEveryEvent) {
  RunOneTrial();
  absl::StatusOr<EventHub::Start> start = hub_->Open(Watch(0, true));
  ASSERT_TRUE(start.ok());
  EXPECT_FALSE(start->snapshot.has_value());
  absl::StatusOr<EventHub::Events> events = hub_->Read(id_, start->after, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->events.size(), static_cast<size_t>(LastSequence()));
  EXPECT_EQ(events->events[0].sequence(), 1);
  EXPECT_EQ(events->events[0].status().state(), v1::JOB_STATE_PENDING);
  EXPECT_TRUE(std::any_of(
      events->events.begin(), events->events.end(),
      [](const v1::JobEvent& e) { return e.has_trial_finished(); }));
  EXPECT_FALSE(events->ended);
}

TEST_F(EventHubTest, AReconnectReplaysWhatCameAfterItsSequence) {
  RunOneTrial();
  absl::StatusOr<EventHub::Start> start = hub_->Open(Watch(2));
  ASSERT_TRUE(start.ok());
  EXPECT_FALSE(start->snapshot.has_value());
  EXPECT_EQ(start->after, 2);
  absl::StatusOr<EventHub::Events> events = hub_->Read(id_, 2, 100);
  ASSERT_FALSE(events->events.empty());
  EXPECT_EQ(events->events.front().sequence(), 3);
  EXPECT_EQ(hub_->Read(id_, 2, 1)->events.size(), 1u);
}

TEST_F(EventHubTest, ASequenceBeyondTheJobsIsAFreshWatch) {
  absl::StatusOr<EventHub::Start> start = hub_->Open(Watch(1000));
  ASSERT_TRUE(start.ok());
  EXPECT_TRUE(start->snapshot.has_value());
  EXPECT_EQ(start->after, LastSequence());
}

TEST_F(EventHubTest, AWatchOfAFinishedJobEndsAfterItsLastEvent) {
  {
    absl::MutexLock lock(&registry_->mu());
    registry_->Find(id_)->End(v1::JOB_STATE_CANCELLED, "stop", clock_.Now());
  }
  absl::StatusOr<EventHub::Events> all = hub_->Read(id_, 0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->ended);
  EXPECT_EQ(all->events.back().status().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_FALSE(hub_->Read(id_, 0, 1)->ended);  // More to read.
  absl::StatusOr<EventHub::Start> fresh = hub_->Open(Watch());
  EXPECT_TRUE(hub_->Read(id_, fresh->after, 100)->ended);
}

TEST_F(EventHubTest, WatchersAreToldOnceForEachChangeOfTheirJob) {
  int told = 0;
  absl::StatusOr<int64_t> subscription = hub_->Subscribe(id_, [&] { ++told; });
  ASSERT_TRUE(subscription.ok());
  hub_->Notify();  // The first look at a newly watched job.
  const int first = told;
  hub_->Notify();
  EXPECT_EQ(told, first);  // Nothing new.
  RunOneTrial();
  hub_->Notify();
  EXPECT_EQ(told, first + 1);
  hub_->Unsubscribe(*subscription);
  RunOneTrial();
  hub_->Notify();
  EXPECT_EQ(told, first + 1);
}

TEST_F(EventHubTest, ARestoredJobsLogStartsAboveItsOldSequences) {
  RunOneTrial();
  const int64_t before = LastSequence();
  {
    absl::MutexLock lock(&registry_->mu());
    std::optional<JobUpdate> update = registry_->Find(id_)->TakeUpdate();
    ASSERT_TRUE(store_.Commit(id_, *update).ok());
  }
  clock_.Advance(absl::Seconds(1));
  registry_ = *JobRegistry::Create({.store = &store_, .clock = &clock_});
  hub_ = std::make_unique<EventHub>(registry_.get());
  // A reconnect from before the restart replays the new log from its start.
  absl::StatusOr<EventHub::Start> start = hub_->Open(Watch(before));
  ASSERT_TRUE(start.ok());
  absl::StatusOr<EventHub::Events> events = hub_->Read(id_, start->after, 10);
  ASSERT_FALSE(events->events.empty());
  EXPECT_GT(events->events.front().sequence(), before);
  EXPECT_TRUE(events->events.front().has_status());
}

}  // namespace
}  // namespace nasprune::controller
