#include "controller/scheduler/worker_pool.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/controller/scheduler/pool_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller {
namespace {

using std::chrono::milliseconds;

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerPoolTest()
      : pool_({.heartbeat_interval = milliseconds(100),
               .missed_heartbeats = 2,
               .failure_limit = 3,
               .clock = &clock_}) {}

  std::string Register(const std::string& name, int slots) {
    return testing::RegisterWorker(pool_, name, slots);
  }

  // A heartbeat reporting `running`.
  v1::HeartbeatResponse Beat(const std::string& name, const std::string& lease,
                             const std::vector<std::string>& running = {}) {
    return testing::Heartbeat(pool_, name, lease, running);
  }

  void Advance(milliseconds d) { clock_.Advance(absl::FromChrono(d)); }

  nasprune::testing::FakeClock clock_;
  WorkerPool pool_;
};

TEST_F(WorkerPoolTest, RegistrationGivesALeaseAndTheHeartbeatInterval) {
  v1::RegisterRequest r;
  r.set_name("w1");
  r.set_address("10.0.0.1:50052");
  r.set_slots(4);
  r.set_evaluator_version("libtorch-2");
  auto response = pool_.Register(r, nullptr);
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->lease_id().empty());
  EXPECT_EQ(response->heartbeat_interval_ms(), 100);
  EXPECT_EQ(pool_.total_slots(), 4);
  EXPECT_TRUE(Beat("w1", response->lease_id()).known());
  EXPECT_FALSE(Beat("w1", "stale").known());
  EXPECT_FALSE(Beat("nobody", "x").known());
}

TEST_F(WorkerPoolTest, BadRegistrationsNameTheField) {
  struct Case {
    std::function<void(v1::RegisterRequest*)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](auto* r) { r->set_name(""); }, "name"},
      {[](auto* r) { r->set_name("bad name"); }, "name"},
      {[](auto* r) { r->clear_address(); }, "address"},
      {[](auto* r) { r->set_slots(0); }, "slots"},
      {[](auto* r) { r->set_slots(5000); }, "slots"},
      {[](auto* r) { r->clear_evaluator_version(); }, "evaluator_version"},
  };
  for (const Case& c : cases) {
    v1::RegisterRequest r;
    r.set_name("w");
    r.set_address("w:1");
    r.set_slots(1);
    r.set_evaluator_version("v");
    c.change(&r);
    const auto response = pool_.Register(r, nullptr);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(response.status().message().find(c.field), std::string::npos)
        << response.status();
  }
  EXPECT_TRUE(pool_.Workers().empty());
}

TEST_F(WorkerPoolTest, SlotsGoToTheLeastLoadedWorkerUntilAllAreBusy) {
  Register("a", 1);
  Register("b", 2);
  auto first = pool_.Acquire("j/0");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->worker, "b");
  EXPECT_EQ(first->address, "b:1");
  EXPECT_EQ(pool_.Acquire("j/1")->worker, "a");  // Tie 1–1 goes by name.
  EXPECT_EQ(pool_.Acquire("j/2")->worker, "b");
  EXPECT_FALSE(pool_.Acquire("j/3").has_value());
  EXPECT_EQ(pool_.free_slots(), 0);
  pool_.Release("j/1", WorkerPool::Outcome::kSucceeded);
  EXPECT_EQ(pool_.free_slots(), 1);
  EXPECT_EQ(pool_.Acquire("j/3")->worker, "a");
}

TEST_F(WorkerPoolTest, SilentWorkersAreLostWithExactlyTheirTrials) {
  const std::string a = Register("a", 2);
  Register("b", 2);
  ASSERT_EQ(pool_.Acquire("j/0")->worker, "a");  // Equal loads: by name.
  ASSERT_EQ(pool_.Acquire("j/1")->worker, "b");
  Advance(milliseconds(150));
  Beat("a", a);                // Only a keeps talking.
  Advance(milliseconds(100));  // b silent for 250 ms > 2 intervals.
  std::vector<WorkerPool::Lost> lost = pool_.Expire();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].worker, "b");
  EXPECT_EQ(lost[0].trial_ids, (std::vector<std::string>{"j/1"}));
  EXPECT_EQ(pool_.Workers(), (std::vector<std::string>{"a"}));
  Advance(milliseconds(150));  // Now a is silent for 250 ms too.
  lost = pool_.Expire();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].trial_ids, (std::vector<std::string>{"j/0"}));
  EXPECT_FALSE(Beat("a", a).known());  // It must register again.
  EXPECT_EQ(pool_.total_slots(), 0);
}

TEST_F(WorkerPoolTest, ARestartedWorkerLosesItsOldTrials) {
  Register("a", 2);
  pool_.Acquire("j/0");
  v1::RegisterRequest again;
  again.set_name("a");
  again.set_address("a:1");
  again.set_slots(2);
  again.set_evaluator_version("synthetic-1");
  WorkerPool::Lost lost;
  ASSERT_TRUE(pool_.Register(again, &lost).ok());
  EXPECT_EQ(lost.trial_ids, (std::vector<std::string>{"j/0"}));
  EXPECT_EQ(pool_.free_slots(), 2);
}

TEST_F(WorkerPoolTest, CancelRequestsReachTheWorkerAtItsNextHeartbeat) {
  const std::string a = Register("a", 1);
  pool_.Acquire("j/0");
  pool_.RequestCancel("j/0");
  pool_.RequestCancel("j/unknown");
  const v1::HeartbeatResponse r = Beat("a", a);
  ASSERT_EQ(r.cancel_trial_ids_size(), 1);
  EXPECT_EQ(r.cancel_trial_ids(0), "j/0");
  EXPECT_EQ(Beat("a", a).cancel_trial_ids_size(), 0);  // Said once.
}

TEST_F(WorkerPoolTest, AWorkerThatKeepsFailingLeavesTheRotation) {
  Register("a-good", 1);
  Register("bad", 1);
  for (int i = 0; i < 3; ++i) {
    // Equal loads go to "a-good" first; keep it busy so the trial lands on
    // "bad".
    ASSERT_EQ(pool_.Acquire("busy")->worker, "a-good");
    const auto slot = pool_.Acquire("j/" + std::to_string(i));
    ASSERT_TRUE(slot.has_value());
    EXPECT_EQ(slot->worker, "bad");
    pool_.Release("j/" + std::to_string(i),
                  WorkerPool::Outcome::kRetryableFailure);
    pool_.Release("busy", WorkerPool::Outcome::kSucceeded);
  }
  EXPECT_FALSE(pool_.InRotation("bad"));
  EXPECT_TRUE(pool_.InRotation("a-good"));
  EXPECT_EQ(pool_.free_slots(), 1);  // Only a-good's slot counts.
  EXPECT_EQ(pool_.Acquire("j/9")->worker, "a-good");
  EXPECT_FALSE(pool_.Acquire("j/10").has_value());
}

TEST_F(WorkerPoolTest, DescribeShowsEachWorkersSlotsStateAndTimes) {
  const absl::Time registered = clock_.Now();
  Register("a-good", 2);
  Register("bad", 1);
  Advance(milliseconds(40));
  ASSERT_EQ(pool_.Acquire("j/0")->worker, "a-good");
  // "bad" fails three in a row: out of rotation.
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(pool_.Acquire("busy")->worker, "a-good");
    const std::string trial = "j/" + std::to_string(i);
    ASSERT_EQ(pool_.Acquire(trial)->worker, "bad");
    pool_.Release(trial, WorkerPool::Outcome::kRetryableFailure);
    pool_.Release("busy", WorkerPool::Outcome::kSucceeded);
  }
  const std::vector<v1::WorkerInfo> workers = pool_.Describe();
  ASSERT_EQ(workers.size(), 2u);
  const v1::WorkerInfo& good = workers[0];
  EXPECT_EQ(good.name(), "a-good");
  EXPECT_EQ(good.address(), "a-good:1");
  EXPECT_EQ(good.slots(), 2);
  EXPECT_EQ(good.busy_slots(), 1);
  EXPECT_EQ(good.state(), v1::WORKER_STATE_BUSY);
  ASSERT_EQ(good.running_trial_ids_size(), 1);
  EXPECT_EQ(good.running_trial_ids(0), "j/0");
  EXPECT_EQ(good.evaluator_version(), "synthetic-1");
  EXPECT_EQ(good.register_time().seconds(), absl::ToUnixSeconds(registered));
  const v1::WorkerInfo& bad = workers[1];
  EXPECT_EQ(bad.name(), "bad");
  EXPECT_EQ(bad.busy_slots(), 0);
  EXPECT_EQ(bad.state(), v1::WORKER_STATE_OUT_OF_ROTATION);
  EXPECT_EQ(bad.consecutive_failures(), 3);
  pool_.Release("j/0", WorkerPool::Outcome::kSucceeded);
  EXPECT_EQ(pool_.Describe()[0].state(), v1::WORKER_STATE_IDLE);
  // Its cooldown over, "bad" is shown back in rotation before the next
  // dispatch puts it there.
  Advance(milliseconds(59000));
  EXPECT_EQ(pool_.Describe()[1].state(), v1::WORKER_STATE_OUT_OF_ROTATION);
  Advance(milliseconds(1000));
  EXPECT_EQ(pool_.Describe()[1].state(), v1::WORKER_STATE_IDLE);
}

TEST_F(WorkerPoolTest, TrialsAWorkerShouldNotRunAreCancelled) {
  const std::string a = Register("a", 2);
  pool_.Acquire("j/0");
  v1::HeartbeatRequest h;
  h.set_name("a");
  h.set_lease_id(a);
  h.add_running_trial_ids("j/0");
  h.add_running_trial_ids("j/stale");  // Re-queued elsewhere, say.
  const v1::HeartbeatResponse r = pool_.Heartbeat(h);
  ASSERT_EQ(r.cancel_trial_ids_size(), 1);
  EXPECT_EQ(r.cancel_trial_ids(0), "j/stale");
  // Its slot stays busy until the worker stops it.
  EXPECT_EQ(pool_.free_slots(), 0);
  Beat("a", a, {"j/0"});
  EXPECT_EQ(pool_.free_slots(), 1);
}

TEST_F(WorkerPoolTest, AStoppedTrialHoldsItsSlotUntilTheWorkerNoLongerRunsIt) {
  const std::string a = Register("a", 1);
  ASSERT_TRUE(pool_.Acquire("j/0").has_value());
  pool_.Release("j/0", WorkerPool::Outcome::kStopped);
  EXPECT_EQ(pool_.free_slots(), 0);
  EXPECT_FALSE(pool_.Acquire("k/0").has_value());
  // Still running there: asked to stop again, still busy.
  const v1::HeartbeatResponse r = Beat("a", a, {"j/0"});
  ASSERT_EQ(r.cancel_trial_ids_size(), 1);
  EXPECT_EQ(r.cancel_trial_ids(0), "j/0");
  EXPECT_EQ(pool_.free_slots(), 0);
  Beat("a", a, {});
  EXPECT_EQ(pool_.free_slots(), 1);
  EXPECT_EQ(pool_.Acquire("k/0")->worker, "a");
}

TEST_F(WorkerPoolTest, AWorkerThatTurnedATrialAwayWaitsForItsHeartbeat) {
  const std::string a = Register("a", 2);
  ASSERT_TRUE(pool_.Acquire("j/0").has_value());
  pool_.Release("j/0", WorkerPool::Outcome::kBusy);
  EXPECT_EQ(pool_.free_slots(), 0);
  EXPECT_FALSE(pool_.Acquire("j/0").has_value());
  // The heartbeat says what it really runs: one trial from elsewhere.
  Beat("a", a, {"old/7"});
  EXPECT_EQ(pool_.free_slots(), 1);
  // A rejection never counts against the worker.
  EXPECT_TRUE(pool_.InRotation("a"));
}

TEST_F(WorkerPoolTest, AHeartbeatSentBeforeATrialEndedDoesNotHoldItsSlot) {
  const std::string a = Register("a", 1);
  ASSERT_TRUE(pool_.Acquire("j/0").has_value());
  pool_.Release("j/0", WorkerPool::Outcome::kSucceeded);
  // This heartbeat left the worker while j/0 still ran.
  const v1::HeartbeatResponse r = Beat("a", a, {"j/0"});
  EXPECT_EQ(r.cancel_trial_ids_size(), 0);
  EXPECT_EQ(pool_.free_slots(), 1);
}

TEST_F(WorkerPoolTest, ATrialHoldsOneSlotEvenIfAcquiredTwice) {
  Register("a", 1);
  Register("b", 1);
  ASSERT_TRUE(pool_.Acquire("j/0").has_value());
  ASSERT_TRUE(pool_.Acquire("j/0").has_value());
  EXPECT_EQ(pool_.free_slots(), 1);
  pool_.Release("j/0", WorkerPool::Outcome::kSucceeded);
  EXPECT_EQ(pool_.free_slots(), 2);
}

TEST_F(WorkerPoolTest, ASuccessResetsTheFailureCount) {
  Register("w", 1);
  for (bool fail : {true, true, false, true, true}) {
    ASSERT_TRUE(pool_.Acquire("j").has_value());
    pool_.Release("j", fail ? WorkerPool::Outcome::kRetryableFailure
                            : WorkerPool::Outcome::kSucceeded);
  }
  EXPECT_TRUE(pool_.InRotation("w"));
}

TEST_F(WorkerPoolTest, ASlotNeverRunDoesNotResetTheFailureCount) {
  Register("w", 1);
  for (WorkerPool::Outcome outcome :
       {WorkerPool::Outcome::kRetryableFailure,
        WorkerPool::Outcome::kRetryableFailure, WorkerPool::Outcome::kNotRun,
        WorkerPool::Outcome::kRetryableFailure}) {
    ASSERT_TRUE(pool_.Acquire("j").has_value());
    pool_.Release("j", outcome);
  }
  EXPECT_FALSE(pool_.InRotation("w"));
}

TEST_F(WorkerPoolTest, ATrialAvoidsTheWorkersThatFailedIt) {
  Register("a", 2);
  Register("b", 1);
  const auto slot = pool_.Acquire("j", {"a"});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->worker, "b");
  // With b busy the trial waits rather than go back to a.
  pool_.Release("j", WorkerPool::Outcome::kSucceeded);
  ASSERT_EQ(pool_.Acquire("x", {"a"})->worker, "b");
  EXPECT_FALSE(pool_.Acquire("j", {"a"}).has_value());
  EXPECT_EQ(pool_.free_slots(), 2);
}

TEST_F(WorkerPoolTest, APreferredWorkerIsTakenWhileItHasAFreeSlot) {
  Register("a", 1);
  Register("b", 3);
  EXPECT_EQ(pool_.Acquire("j/0", {}, "a")->worker, "a");
  // Busy now: the least loaded one instead.
  EXPECT_EQ(pool_.Acquire("j/1", {}, "a")->worker, "b");
  // Neither an avoided nor an unknown preference counts.
  pool_.Release("j/0", WorkerPool::Outcome::kSucceeded);
  EXPECT_EQ(pool_.Acquire("j/2", {"a"}, "a")->worker, "b");
  EXPECT_EQ(pool_.Acquire("j/3", {}, "gone")->worker, "a");
}

TEST_F(WorkerPoolTest, AnAvoidedWorkerIsUsedWhenItIsTheOnlyOne) {
  Register("a", 1);
  const auto slot = pool_.Acquire("j", {"a"});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->worker, "a");
}

TEST_F(WorkerPoolTest, RemoveReturnsTheWorkersTrials) {
  Register("a", 2);
  const auto slot = pool_.Acquire("j/0");
  ASSERT_TRUE(slot.has_value());
  const auto lost = pool_.Remove("a", slot->lease_id);
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(lost->trial_ids, std::vector<std::string>{"j/0"});
  EXPECT_EQ(pool_.total_slots(), 0);
  EXPECT_FALSE(pool_.Remove("a", slot->lease_id).has_value());
}

TEST_F(WorkerPoolTest, RemoveSparesANewerRegistration) {
  Register("a", 2);
  const auto slot = pool_.Acquire("j/0");
  ASSERT_TRUE(slot.has_value());
  Register("a", 2);  // It restarted meanwhile.
  EXPECT_FALSE(pool_.Remove("a", slot->lease_id).has_value());
  EXPECT_EQ(pool_.total_slots(), 2);
}

TEST_F(WorkerPoolTest, AWorkerOutOfRotationGetsAnotherChanceAfterTheCooldown) {
  Register("w", 1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool_.Acquire("j").has_value());
    pool_.Release("j", WorkerPool::Outcome::kRetryableFailure);
  }
  ASSERT_FALSE(pool_.InRotation("w"));
  EXPECT_FALSE(pool_.Acquire("j").has_value());
  Advance(std::chrono::seconds(61));
  ASSERT_TRUE(pool_.Acquire("j").has_value());
  // On probation: one more failure takes it out again.
  pool_.Release("j", WorkerPool::Outcome::kRetryableFailure);
  EXPECT_FALSE(pool_.InRotation("w"));
}

TEST_F(WorkerPoolTest, AClusterWithEveryWorkerOutOfRotationRecovers) {
  Register("a", 1);
  Register("b", 1);
  for (const char* name : {"a", "b"}) {
    for (int i = 0; i < 3; ++i) {
      const auto slot = pool_.Acquire(absl::StrCat(name, "/", i), {});
      ASSERT_TRUE(slot.has_value());
      pool_.Release(absl::StrCat(name, "/", i),
                    WorkerPool::Outcome::kRetryableFailure);
    }
  }
  ASSERT_FALSE(pool_.InRotation("a"));
  ASSERT_FALSE(pool_.InRotation("b"));
  EXPECT_EQ(pool_.free_slots(), 0);
  // The scheduler asks for free slots before it asks for one: that is
  // where the cooldown must end.
  Advance(std::chrono::seconds(61));
  EXPECT_EQ(pool_.free_slots(), 2);
}

TEST_F(WorkerPoolTest, ASlotReportsItsWorkersEvaluatorVersion) {
  Register("w", 1);
  const auto slot = pool_.Acquire("j");
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->evaluator_version, "synthetic-1");
}

TEST_F(WorkerPoolTest, ADrainingWorkerFinishesItsTrialsAndGetsNoMore) {
  const std::string a = Register("a", 2);
  Register("b", 1);
  ASSERT_EQ(pool_.Acquire("j/0")->worker, "a");
  v1::HeartbeatRequest beat;
  beat.set_name("a");
  beat.set_lease_id(a);
  beat.add_running_trial_ids("j/0");
  beat.set_draining(true);
  ASSERT_TRUE(pool_.Heartbeat(beat).known());
  EXPECT_EQ(pool_.free_slots(), 1);  // b's only.
  EXPECT_EQ(pool_.Acquire("j/1")->worker, "b");
  EXPECT_FALSE(pool_.Acquire("j/2").has_value());
  // Its running trial is still its own, and ends as usual.
  pool_.Release("j/0", WorkerPool::Outcome::kSucceeded);
  EXPECT_FALSE(pool_.Acquire("j/2").has_value());
  // A later heartbeat without the flag does not undo the drain.
  beat.clear_running_trial_ids();
  beat.set_draining(false);
  ASSERT_TRUE(pool_.Heartbeat(beat).known());
  EXPECT_FALSE(pool_.Acquire("j/2").has_value());
  for (const v1::WorkerInfo& w : pool_.Describe()) {
    EXPECT_EQ(w.state(), w.name() == "a" ? v1::WORKER_STATE_DRAINING
                                         : v1::WORKER_STATE_BUSY)
        << w.name();
  }
}

TEST_F(WorkerPoolTest, AWorkerThatRegistersDrainingGetsNothing) {
  v1::RegisterRequest r;
  r.set_name("a");
  r.set_address("a:1");
  r.set_slots(2);
  r.set_evaluator_version("v");
  r.set_draining(true);
  ASSERT_TRUE(pool_.Register(r, nullptr).ok());
  EXPECT_EQ(pool_.free_slots(), 0);
  EXPECT_FALSE(pool_.Acquire("j/0").has_value());
}

}  // namespace
}  // namespace nasprune::controller
