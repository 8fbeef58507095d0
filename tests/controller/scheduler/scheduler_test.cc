// The dispatch policy over real jobs and a real worker pool, on the test's
// thread with a fake clock: no threads, no sleeps.

#include "controller/scheduler/scheduler.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"
#include "tests/controller/scheduler/pool_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller {
namespace {

using testing::Spec;

class SchedulerTest : public ::testing::Test {
 protected:
  Job* AddJob(const v1::JobSpec& spec) {
    v1::JobStatus status;
    status.set_job_id(absl::StrCat("j", jobs_.size()));
    *status.mutable_spec() = spec;
    status.set_state(v1::JOB_STATE_PENDING);
    jobs_.push_back(*Job::Create(status, {}));
    jobs_.back()->Start(clock_.Now());
    order_.push_back(jobs_.back().get());
    return order_.back();
  }

  void AddWorker(const std::string& name, int slots) {
    testing::RegisterWorker(pool_, name, slots);
  }

  std::vector<Scheduler::Assignment> Assign() {
    std::vector<Scheduler::Assignment> batch =
        scheduler_.Assign(order_, pool_, clock_.Now());
    for (const Scheduler::Assignment& a : batch) {
      a.job->Dispatched(a.index, a.slot.worker, clock_.Now());
    }
    return batch;
  }

  static int Of(const std::vector<Scheduler::Assignment>& batch,
                const Job* job) {
    int n = 0;
    for (const Scheduler::Assignment& a : batch) n += a.job == job;
    return n;
  }

  nasprune::testing::FakeClock clock_;
  WorkerPool pool_{{.clock = &clock_}};
  Scheduler scheduler_{{.default_deadline = std::chrono::hours(1),
                        .deadline_margin = std::chrono::seconds(30),
                        .max_busy_rejections = 2}};
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<Job*> order_;
};

TEST_F(SchedulerTest, EveryFreeSlotGetsATrialWithItsWorkersCacheKey) {
  AddWorker("a", 2);
  AddWorker("b", 1);
  Job* job = AddJob(Spec("", 10));
  const std::vector<Scheduler::Assignment> batch = Assign();
  ASSERT_EQ(batch.size(), 3u);
  for (const Scheduler::Assignment& a : batch) {
    EXPECT_EQ(a.job, job);
    EXPECT_EQ(a.request.trial_id(), a.trial_id);
    EXPECT_EQ(a.request.attempt(), 1);
    EXPECT_EQ(a.request.cache_key(),
              job->Request(a.index, "synthetic-1").cache_key());
    EXPECT_NE(a.request.cache_key(),
              job->Request(a.index, "libtorch-2").cache_key());
    EXPECT_EQ(a.assigned, clock_.Now());
  }
  EXPECT_EQ(pool_.free_slots(), 0);
  EXPECT_TRUE(Assign().empty());
}

TEST_F(SchedulerTest, SlotsAreSharedFairlyAndTiesGoToTheOlderJob) {
  AddWorker("w", 5);
  Job* older = AddJob(Spec("", 10));
  Job* newer = AddJob(Spec("seed: 5\n", 10));
  const std::vector<Scheduler::Assignment> batch = Assign();
  EXPECT_EQ(Of(batch, older), 3);
  EXPECT_EQ(Of(batch, newer), 2);
}

TEST_F(SchedulerTest, AJobWithFewerRunningTrialsGetsTheNextSlot) {
  AddWorker("w", 3);
  Job* busy = AddJob(Spec("", 10));
  ASSERT_EQ(Assign().size(), 3u);
  Job* fresh = AddJob(Spec("seed: 5\n", 10));
  pool_.Release(busy->trials()[0].trial_id(), WorkerPool::Outcome::kSucceeded);
  const std::vector<Scheduler::Assignment> batch = Assign();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].job, fresh);
}

TEST_F(SchedulerTest, MaxParallelIsKeptAndTheRestGoesToOthers) {
  AddWorker("w", 4);
  Job* capped = AddJob(Spec("max_parallel: 1\n", 10));
  Job* other = AddJob(Spec("seed: 5\n", 10));
  const std::vector<Scheduler::Assignment> batch = Assign();
  EXPECT_EQ(Of(batch, capped), 1);
  EXPECT_EQ(Of(batch, other), 3);
}

TEST_F(SchedulerTest, ATrialAvoidsTheWorkerItFailedOnAndWaitsForAnother) {
  AddWorker("a", 1);
  AddWorker("b", 1);
  Job* job = AddJob(Spec("", 1));
  std::vector<Scheduler::Assignment> batch = Assign();
  ASSERT_EQ(batch.size(), 1u);
  const std::string failed_worker = batch[0].slot.worker;
  pool_.Release(batch[0].trial_id, WorkerPool::Outcome::kRetryableFailure);
  job->Finished(batch[0].index, 1, testing::FailureEvent(false), clock_.Now());
  scheduler_.FailedOn(batch[0].trial_id, failed_worker);
  // Only the failed worker free: the trial waits.
  const std::string other = failed_worker == "a" ? "b" : "a";
  ASSERT_TRUE(pool_.Acquire("elsewhere/0", {failed_worker}).has_value());
  EXPECT_TRUE(Assign().empty());
  EXPECT_EQ(job->queued(), 1);
  pool_.Release("elsewhere/0", WorkerPool::Outcome::kSucceeded);
  batch = Assign();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].slot.worker, other);
  EXPECT_EQ(batch[0].request.attempt(), 2);
}

TEST_F(SchedulerTest, AnExportGoesToTheWorkerOfItsSearchTrial) {
  AddWorker("a", 1);
  AddWorker("b", 2);
  Job* job = AddJob(Spec("export: {top_k: 1}\n", 1));
  std::vector<Scheduler::Assignment> batch = Assign();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].slot.worker, "b");  // The least loaded.
  pool_.Release(batch[0].trial_id, WorkerPool::Outcome::kSucceeded);
  job->Finished(batch[0].index, 1, testing::ResultFor(batch[0].request, "m"),
                clock_.Now());
  job->Advance(clock_.Now());
  // "a" has as many free slots now, and loses the tie to "b" only by
  // preference: the export follows its search trial.
  ASSERT_TRUE(pool_.Acquire("other/0").has_value());  // b: 1 free, a: 1.
  batch = Assign();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_FALSE(batch[0].request.score_model_sha256().empty());
  EXPECT_EQ(batch[0].slot.worker, "b");
}

TEST_F(SchedulerTest, TheDeadlineFollowsTheRecipesLimit) {
  EXPECT_EQ(scheduler_.Deadline(Spec("")), std::chrono::hours(1));
  EXPECT_EQ(scheduler_.Deadline(Spec("recipe: {max_trial_seconds: 90}\n")),
            std::chrono::seconds(120));
}

TEST_F(SchedulerTest, ATrialIsTurnedAwayOnlySoManyTimes) {
  EXPECT_TRUE(scheduler_.TurnedAway("j/0"));
  EXPECT_TRUE(scheduler_.TurnedAway("j/0"));
  EXPECT_FALSE(scheduler_.TurnedAway("j/0"));
  scheduler_.Forget("j/0");
  EXPECT_TRUE(scheduler_.TurnedAway("j/0"));
}

TEST_F(SchedulerTest, NoWorkersMeansNoAssignments) {
  AddJob(Spec("", 3));
  EXPECT_TRUE(Assign().empty());
}

}  // namespace
}  // namespace nasprune::controller
