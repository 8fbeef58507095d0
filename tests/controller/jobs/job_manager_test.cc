// The job manager driven round by round (Step) with hand-written fakes: an
// in-memory store (optionally failing), a real WorkerPool with registered
// workers, an evaluation client whose calls the test finishes, and a fake
// clock. Tests of the scheduler thread wait on conditions, never on time.

#include "controller/jobs/job_manager.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/manager_fixture.h"

namespace nasprune::controller {
namespace {

using testing::FakeEvaluationClient;
using testing::JobManagerTest;
using testing::ResultFor;
using testing::Spec;

TEST_F(JobManagerTest, RunsAJobToTheEndAndStoresIt) {
  AddWorker("w", 2);
  const std::string id = Submit(Spec("", 5));
  RunToEnd(id);
  const v1::JobStatus job = Get(id);
  EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.message();
  EXPECT_EQ(job.trials().succeeded(), 5);
  absl::StatusOr<v1::JobStatus> stored = store_.GetJob(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state(), v1::JOB_STATE_SUCCEEDED);
  absl::StatusOr<std::vector<v1::TrialRecord>> trials = store_.ListTrials(id);
  ASSERT_TRUE(trials.ok());
  EXPECT_EQ(trials->size(), 5u);
  // Results went to the cache; the metrics counted them.
  EXPECT_TRUE(
      store_.GetCachedResult((*trials)[0].result().cache_key())->has_value());
  EXPECT_EQ(metrics_.trials.Labels({"succeeded"}).Value(), 5);
  EXPECT_NE(registry_.TextFormat().find(
                "nasprune_trials_total{state=\"succeeded\"} 5"),
            std::string::npos);
}

TEST_F(JobManagerTest, AStoreThatCannotBeReadFailsCreateAndNothingElse) {
  store_.unreadable = true;
  absl::StatusOr<std::unique_ptr<JobManager>> manager =
      JobManager::Create({.store = &store_,
                          .pool = pool_.get(),
                          .client = &client_,
                          .clock = &clock_});
  EXPECT_EQ(manager.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(JobManagerTest, SlotsAreSharedFairlyBetweenJobs) {
  AddWorker("w", 4);
  const std::string a = Submit(Spec("", 10));
  const std::string b = Submit(Spec("", 10));
  manager_->Step();
  int of_a = 0, of_b = 0;
  for (const auto& call : client_.Open()) {
    of_a += call.request.trial_id().rfind(a + "/", 0) == 0;
    of_b += call.request.trial_id().rfind(b + "/", 0) == 0;
  }
  EXPECT_EQ(of_a, 2);
  EXPECT_EQ(of_b, 2);
}

TEST_F(JobManagerTest, ACachedResultIsNotEvaluatedAgain) {
  AddWorker("w", 1);
  const std::string first = Submit(Spec("", 3));
  RunToEnd(first);
  const size_t evaluations = client_.started();
  const std::string second = Submit(Spec("", 3));
  RunToEnd(second);
  EXPECT_EQ(client_.started(), evaluations);
  EXPECT_EQ(Get(second).trials().cache_hits(), 3);
}

TEST_F(JobManagerTest, ABrokenStreamLosesTheWorkerAndRequeuesItsTrials) {
  AddWorker("a", 2);
  const std::string id = Submit(Spec("", 2));
  manager_->Step();
  ASSERT_EQ(client_.Open().size(), 2u);
  client_.Finish(absl::StrCat(id, "/0"), absl::UnavailableError("reset"));
  manager_->Step();
  // Both trials wait for another worker; the other call was cancelled.
  EXPECT_EQ(pool_->total_slots(), 0);
  EXPECT_EQ(Get(id).trials().running(), 0);
  AddWorker("b", 2);
  manager_->Step();
  std::vector<FakeEvaluationClient::Call> all = client_.All();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_TRUE(all[1].handle->cancelled);  // a's other call.
  std::vector<FakeEvaluationClient::Call> open = client_.Open();
  ASSERT_EQ(open.size(), 2u);
  for (const auto& call : open) {
    EXPECT_EQ(call.address, "b:1");
    EXPECT_EQ(call.request.attempt(), 2);
  }
}

TEST_F(JobManagerTest, CancellingAJobStopsItsEvaluations) {
  AddWorker("w", 2);
  const std::string id = Submit(Spec("", 5));
  manager_->Step();
  ASSERT_EQ(client_.Open().size(), 2u);
  v1::CancelJobRequest request;
  request.set_job_id(id);
  request.set_reason("enough");
  auto cancelled = std::async(std::launch::async,
                              [&] { return manager_->CancelJob(request); });
  while (cancelled.wait_for(std::chrono::milliseconds(1)) !=
         std::future_status::ready) {
    manager_->Step();
  }
  absl::StatusOr<v1::JobStatus> status = cancelled.get();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(status->message(), "enough");
  EXPECT_TRUE(client_.Open().empty());
  for (const auto& call : client_.All()) EXPECT_TRUE(call.handle->cancelled);
  EXPECT_EQ(store_.GetJob(id)->state(), v1::JOB_STATE_CANCELLED);
  // The slots are free once the worker says it stopped the evaluations.
  EXPECT_EQ(pool_->free_slots(), 0);
  Beat("w");
  EXPECT_EQ(pool_->free_slots(), 2);
}

TEST_F(JobManagerTest, NothingIsLostWhileTheStoreIsDown) {
  AddWorker("w", 2);
  const std::string id = Submit(Spec("", 6));
  store_.down = true;
  for (int i = 0; i < 10; ++i) {
    manager_->Step();
    client_.SucceedAll();
  }
  EXPECT_FALSE(manager_->store_healthy());
  EXPECT_EQ(health_changes_, std::vector<bool>{false});
  EXPECT_EQ(Get(id).trials().succeeded(), 6);  // Served from memory.
  EXPECT_EQ(store_.inner.ListTrials(id)->size(), 0u);
  store_.down = false;
  RunToEnd(id);
  EXPECT_TRUE(manager_->store_healthy());
  EXPECT_EQ(health_changes_, (std::vector<bool>{false, true}));
  absl::StatusOr<std::vector<v1::TrialRecord>> trials = store_.ListTrials(id);
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 6u);
  for (const v1::TrialRecord& trial : *trials) {
    EXPECT_EQ(trial.state(), v1::TRIAL_STATE_SUCCEEDED);
    EXPECT_TRUE(
        store_.GetCachedResult(trial.result().cache_key())->has_value());
  }
  EXPECT_EQ(store_.GetJob(id)->state(), v1::JOB_STATE_SUCCEEDED);
}

TEST_F(JobManagerTest, AResultOnItsWayToTheStoreAnswersLookups) {
  AddWorker("w", 1);
  const std::string first = Submit(Spec("", 1));
  const std::string second = Submit(Spec("", 1));  // The same genome.
  manager_->Step();
  ASSERT_EQ(client_.Open().size(), 1u);  // The first job's trial.
  store_.down = true;
  client_.SucceedAll();
  for (int i = 0; i < 5; ++i) manager_->Step();
  EXPECT_EQ(client_.started(), 1u);
  EXPECT_EQ(Get(second).trials().cache_hits(), 1);
  EXPECT_EQ(Get(second).state(), v1::JOB_STATE_SUCCEEDED);
  store_.down = false;
  manager_->Step();
  EXPECT_EQ(store_.GetJob(second)->trials().cache_hits(), 1);
  EXPECT_EQ(store_.GetJob(first)->state(), v1::JOB_STATE_SUCCEEDED);
}

TEST_F(JobManagerTest, TheSchedulerThreadRunsAJobAndStoresIt) {
  AddWorker("w", 3);
  client_.auto_succeed = true;
  manager_->Start();
  const std::string id = Submit(Spec("", 40));
  AwaitFinal(id);
  manager_->Stop();
  EXPECT_EQ(Get(id).state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(store_.GetJob(id)->state(), v1::JOB_STATE_SUCCEEDED);
  absl::StatusOr<std::vector<v1::TrialRecord>> trials = store_.ListTrials(id);
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 40u);
  for (const v1::TrialRecord& trial : *trials) {
    EXPECT_EQ(trial.state(), v1::TRIAL_STATE_SUCCEEDED);
    EXPECT_TRUE(
        store_.GetCachedResult(trial.result().cache_key())->has_value());
  }
}

TEST_F(JobManagerTest,
       StopAppliesAndWritesResultsThatArrivedAfterTheLastRound) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 3));
  manager_->Step();
  ASSERT_EQ(client_.Open().size(), 1u);
  const std::string key = client_.Open()[0].request.cache_key();
  client_.SucceedAll();  // In the inbox; no round follows.
  manager_->Stop();
  EXPECT_EQ(store_.ListTrials(id)->at(0).state(), v1::TRIAL_STATE_SUCCEEDED);
  EXPECT_TRUE(store_.GetCachedResult(key)->has_value());
}

TEST_F(JobManagerTest, ACancelIsAnsweredOnlyOnceItsOwnWriteIsDone) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 5));
  manager_->Start();
  client_.AwaitStarted(1);
  // The result's commit is held in the writer; the cancellation must wait
  // for a write of its own, after that one.
  absl::Notification gate;
  store_.hold_commits = &gate;
  client_.SucceedAll();
  store_.AwaitHeld(1);
  v1::CancelJobRequest request;
  request.set_job_id(id);
  auto cancelled = std::async(std::launch::async,
                              [&] { return manager_->CancelJob(request); });
  // Applied in memory, but its write cannot start while the first waits.
  AwaitFinal(id);
  EXPECT_EQ(Get(id).state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(cancelled.wait_for(std::chrono::seconds(0)),
            std::future_status::timeout);
  EXPECT_NE(store_.inner.GetJob(id)->state(), v1::JOB_STATE_CANCELLED);
  store_.hold_commits = nullptr;
  gate.Notify();
  absl::StatusOr<v1::JobStatus> status = cancelled.get();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->state(), v1::JOB_STATE_CANCELLED);
  // Answered after the write: the store already says so.
  EXPECT_EQ(store_.inner.GetJob(id)->state(), v1::JOB_STATE_CANCELLED);
  manager_->Stop();
}

TEST_F(JobManagerTest, ACancelAfterStopIsAnsweredUnavailable) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 3));
  manager_->Step();
  manager_->Stop();
  v1::CancelJobRequest request;
  request.set_job_id(id);
  EXPECT_EQ(manager_->CancelJob(request).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(JobManagerTest, AnUnreadableCacheValueCostsOnlyItsOwnHit) {
  AddWorker("w", 3);
  const std::string first = Submit(Spec("", 3));
  RunToEnd(first);
  store_.corrupt = (*store_.ListTrials(first))[0].result().cache_key();
  const size_t evaluations = client_.started();
  const std::string second = Submit(Spec("", 3));
  RunToEnd(second);
  EXPECT_EQ(Get(second).trials().cache_hits(), 2);
  EXPECT_EQ(client_.started(), evaluations + 1);
}

TEST_F(JobManagerTest, ABacklogOfResultsIsWrittenInChunks) {
  AddWorker("w", 50);
  const std::string id = Submit(Spec("", 1200));
  store_.down = true;
  for (int i = 0; i < 200 && Get(id).trials().succeeded() < 1200; ++i) {
    manager_->Step();
    client_.SucceedAll();
  }
  ASSERT_EQ(Get(id).trials().succeeded(), 1200);
  store_.down = false;
  RunToEnd(id);
  EXPECT_LE(store_.largest_put, 500u);
  absl::StatusOr<std::vector<v1::TrialRecord>> trials = store_.ListTrials(id);
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 1200u);
  for (const v1::TrialRecord& trial : *trials) {
    ASSERT_TRUE(
        store_.GetCachedResult(trial.result().cache_key())->has_value());
  }
}

TEST_F(JobManagerTest, ANewManagerResumesTheJobFromTheStore) {
  AddWorker("w", 2);
  const std::string id = Submit(
      Spec("strategy: {evolution: {population_size: 3, sample_size: 2}}\n", 8));
  manager_->Step();
  client_.SucceedAll();
  manager_->Step();  // Two done, two more running: written.
  ASSERT_EQ(client_.Open().size(), 2u);
  manager_.reset();  // The controller dies; its workers register again.
  pool_ = NewPool(&clock_);
  AddWorker("w", 2);
  manager_ = NewManager();
  EXPECT_EQ(Get(id).state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(Get(id).trials().succeeded(), 2);
  RunToEnd(id);
  const v1::JobStatus job = Get(id);
  EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job.trials().total(), 8);
  EXPECT_EQ(job.trials().succeeded(), 8);
}

TEST_F(JobManagerTest, WatchersAreToldOfNewEvents) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 1));
  std::atomic<int> notified{0};
  absl::StatusOr<int64_t> subscription =
      manager_->events().Subscribe(id, [&] { ++notified; });
  ASSERT_TRUE(subscription.ok());
  RunToEnd(id);
  EXPECT_GT(notified.load(), 0);
  absl::StatusOr<EventHub::Events> replay =
      manager_->events().Read(id, 0, 1000);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->ended);
  EXPECT_EQ(replay->events.front().sequence(), 1);
  EXPECT_TRUE(replay->events.back().has_status());
  manager_->events().Unsubscribe(*subscription);
}

TEST_F(JobManagerTest, ABusyWorkerCostsNoAttemptAndGetsNothingUntilItsBeat) {
  manager_ = NewManager(/*max_attempts=*/1);
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 1));
  for (int rejection = 0; rejection < 3; ++rejection) {
    manager_->Step();
    ASSERT_EQ(client_.Open().size(), 1u) << rejection;
    EXPECT_EQ(client_.Open()[0].request.attempt(), 1);
    client_.Finish(absl::StrCat(id, "/0"),
                   absl::ResourceExhaustedError("all 1 evaluation slots of "
                                                "this worker are busy"));
    manager_->Step();
    // Queued again, no attempt used, and no call until the worker's next
    // heartbeat says it has room.
    EXPECT_EQ(Get(id).state(), v1::JOB_STATE_RUNNING);
    EXPECT_EQ(Get(id).trials().failed(), 0);
    EXPECT_TRUE(client_.Open().empty());
    manager_->Step();
    EXPECT_TRUE(client_.Open().empty());
    Beat("w");
  }
  RunToEnd(id);
  EXPECT_EQ(Get(id).state(), v1::JOB_STATE_SUCCEEDED) << Get(id).message();
  EXPECT_EQ(store_.ListTrials(id)->at(0).attempts(), 1);
  EXPECT_TRUE(pool_->InRotation("w"));
}

TEST_F(JobManagerTest, ANewJobWaitsForTheSlotsOfACancelledOneToFree) {
  AddWorker("w", 1);
  const std::string first = Submit(Spec("", 3));
  manager_->Step();
  ASSERT_EQ(client_.Open().size(), 1u);
  v1::CancelJobRequest cancel;
  cancel.set_job_id(first);
  std::optional<absl::StatusOr<v1::JobStatus>> answer;
  manager_->CancelJob(
      cancel, [&](absl::StatusOr<v1::JobStatus> s) { answer = std::move(s); });
  const std::string second = Submit(Spec("seed: 9\n", 2));
  manager_->Step();
  ASSERT_TRUE(answer.has_value() && answer->ok());
  // The worker still finishes the cancelled evaluation: nothing is sent.
  const size_t calls = client_.started();
  Beat("w", {absl::StrCat(first, "/0")});
  manager_->Step();
  EXPECT_EQ(client_.started(), calls);
  Beat("w");
  manager_->Step();
  ASSERT_EQ(client_.Open().size(), 1u);
  EXPECT_EQ(client_.Open()[0].request.trial_id(), absl::StrCat(second, "/0"));
  EXPECT_EQ(client_.Open()[0].request.attempt(), 1);
}

TEST_F(JobManagerTest, ATrialWithoutAnExportHasNoModel) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 1));
  RunToEnd(id);
  v1::DownloadModelRequest request;
  request.set_trial_id(id + "/0");
  EXPECT_EQ(manager_->registry().ReadModel(request).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace nasprune::controller
