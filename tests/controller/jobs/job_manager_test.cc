// The job manager driven round by round (Step) with hand-written fakes: an
// in-memory store (optionally failing), a real WorkerPool with registered
// workers, and an evaluation client whose calls the test finishes.

#include "controller/jobs/job_manager.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/metrics/metrics.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"

namespace nasprune::controller {
namespace {

using testing::FakeEvaluationClient;
using testing::FlakyStore;
using testing::ResultFor;
using testing::Spec;

class JobManagerTest : public ::testing::Test {
 protected:
  JobManagerTest() { manager_ = NewManager(); }

  std::unique_ptr<JobManager> NewManager() {
    absl::StatusOr<std::unique_ptr<JobManager>> manager =
        JobManager::Create({.store = &store_,
                            .pool = pool_.get(),
                            .client = &client_,
                            .metrics = &metrics_,
                            .commit_interval = std::chrono::milliseconds(0),
                            .min_store_backoff = std::chrono::milliseconds(0),
                            .max_store_backoff = std::chrono::milliseconds(0)});
    EXPECT_TRUE(manager.ok()) << manager.status();
    return *std::move(manager);
  }

  void AddWorker(const std::string& name, int slots) {
    v1::RegisterRequest r;
    r.set_name(name);
    r.set_address(name + ":1");
    r.set_slots(slots);
    r.set_evaluator_version("synthetic-1");
    ASSERT_TRUE(pool_->Register(r, nullptr).ok());
  }

  std::string Submit(const v1::JobSpec& spec,
                     const std::string& request_id = "") {
    v1::SubmitJobRequest request;
    *request.mutable_spec() = spec;
    request.set_request_id(request_id);
    absl::StatusOr<v1::JobStatus> job = manager_->Submit(request);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? job->job_id() : "";
  }

  v1::JobStatus Get(const std::string& id) {
    v1::GetJobRequest request;
    request.set_job_id(id);
    absl::StatusOr<v1::JobStatus> job = manager_->GetJob(request);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : v1::JobStatus();
  }

  // Steps until every open call is finished and the job is final.
  void RunToEnd(const std::string& id) {
    for (int i = 0; i < 1000 && !Final(Get(id)); ++i) {
      manager_->Step();
      client_.SucceedAll();
    }
    manager_->Step();
  }

  static bool Final(const v1::JobStatus& s) {
    return s.state() == v1::JOB_STATE_SUCCEEDED ||
           s.state() == v1::JOB_STATE_FAILED ||
           s.state() == v1::JOB_STATE_CANCELLED;
  }

  FlakyStore store_;
  std::unique_ptr<WorkerPool> pool_ =
      std::make_unique<WorkerPool>(WorkerPool::Options{});
  FakeEvaluationClient client_;
  metrics::Registry registry_;
  ControllerMetrics metrics_{registry_};
  std::unique_ptr<JobManager> manager_;
};

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
  EXPECT_EQ(metrics_.trials.Labels({"succeeded"}).value(), 5);
  EXPECT_NE(registry_.TextFormat().find(
                "nasprune_trials_total{state=\"succeeded\"} 5"),
            std::string::npos);
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
  EXPECT_TRUE(client_.Open().empty());
  for (const auto& call : client_.All()) EXPECT_TRUE(call.handle->cancelled);
  EXPECT_EQ(pool_->free_slots(), 2);
  EXPECT_EQ(store_.GetJob(id)->state(), v1::JOB_STATE_CANCELLED);
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
  EXPECT_EQ(Get(id).trials().succeeded(), 6);  // Served from memory.
  EXPECT_EQ(store_.inner.ListTrials(id)->size(), 0u);
  store_.down = false;
  RunToEnd(id);
  EXPECT_TRUE(manager_->store_healthy());
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
  manager_->Start();
  const std::string id = Submit(Spec("", 40));
  for (int i = 0; i < 10000 && !Final(Get(id)); ++i) {
    client_.SucceedAll();
    absl::SleepFor(absl::Milliseconds(1));
  }
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
  for (int i = 0; i < 5000 && client_.Open().empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(client_.Open().size(), 1u);
  // The result's commit is held in the writer; the cancellation must wait
  // for a write of its own, after that one.
  absl::Notification gate;
  store_.hold_commits = &gate;
  client_.SucceedAll();
  v1::CancelJobRequest request;
  request.set_job_id(id);
  auto cancelled = std::async(std::launch::async,
                              [&] { return manager_->CancelJob(request); });
  EXPECT_EQ(cancelled.wait_for(std::chrono::milliseconds(200)),
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
  pool_ = std::make_unique<WorkerPool>(WorkerPool::Options{});
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

TEST_F(JobManagerTest, SubmitIsIdempotentPerRequestId) {
  const std::string a = Submit(Spec(), "retry-me");
  const std::string b = Submit(Spec(), "retry-me");
  EXPECT_EQ(a, b);
  EXPECT_NE(Submit(Spec(), "another"), a);
  // A new manager on the same store still finds it.
  manager_ = NewManager();
  EXPECT_EQ(Submit(Spec(), "retry-me"), a);
  EXPECT_EQ(store_.ListJobs()->size(), 2u);
}

TEST_F(JobManagerTest, ValidateOnlyCreatesNothing) {
  v1::SubmitJobRequest request;
  *request.mutable_spec() = Spec();
  request.set_validate_only(true);
  absl::StatusOr<v1::JobStatus> job = manager_->Submit(request);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(job->job_id().empty());
  EXPECT_EQ(job->spec().budget().max_trials(), 4);
  EXPECT_TRUE(store_.ListJobs()->empty());
}

TEST_F(JobManagerTest, ASubmitTheStoreRefusesCreatesNothing) {
  store_.down = true;
  v1::SubmitJobRequest request;
  *request.mutable_spec() = Spec();
  absl::StatusOr<v1::JobStatus> job = manager_->Submit(request);
  EXPECT_EQ(job.status().code(), absl::StatusCode::kUnavailable);
  v1::ListJobsRequest list;
  EXPECT_TRUE(manager_->ListJobs(list)->jobs().empty());
}

TEST_F(JobManagerTest, ListsPageThroughJobsNewestFirstAndTrialsInOrder) {
  AddWorker("w", 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Submit(Spec("", 3)));
  RunToEnd(ids[0]);
  v1::ListJobsRequest list;
  list.set_page_size(2);
  absl::StatusOr<v1::ListJobsResponse> page = manager_->ListJobs(list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs_size(), 2);
  EXPECT_EQ(page->jobs(0).job_id(), ids[2]);
  list.set_page_token(page->next_page_token());
  page = manager_->ListJobs(list);
  ASSERT_EQ(page->jobs_size(), 1);
  EXPECT_EQ(page->jobs(0).job_id(), ids[0]);
  EXPECT_TRUE(page->next_page_token().empty());
  list.Clear();
  list.add_states(v1::JOB_STATE_RUNNING);
  EXPECT_EQ(manager_->ListJobs(list)->jobs_size(), 0);
  list.add_states(v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(manager_->ListJobs(list)->jobs_size(), 3);

  v1::ListTrialsRequest trials;
  trials.set_job_id(ids[0]);
  trials.set_page_size(2);
  absl::StatusOr<v1::ListTrialsResponse> first = manager_->ListTrials(trials);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->trials_size(), 2);
  EXPECT_EQ(first->trials(1).index(), 1);
  trials.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListTrialsResponse> second = manager_->ListTrials(trials);
  ASSERT_EQ(second->trials_size(), 1);
  EXPECT_EQ(second->trials(0).index(), 2);
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(JobManagerTest, WatchersAreToldOfNewEvents) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 1));
  std::atomic<int> notified{0};
  absl::StatusOr<int64_t> subscription =
      manager_->Subscribe(id, [&] { ++notified; });
  ASSERT_TRUE(subscription.ok());
  RunToEnd(id);
  EXPECT_GT(notified.load(), 0);
  absl::StatusOr<JobManager::Events> events = manager_->ReadEvents(id, 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->events.size(), 1u);
  EXPECT_TRUE(events->ended);
  absl::StatusOr<JobManager::Events> replay = manager_->ReadEvents(id, 1, 1000);
  EXPECT_TRUE(replay->ended);
  EXPECT_TRUE(replay->events.back().has_status());
  manager_->Unsubscribe(*subscription);
}

// Every request rule trips with the field named.
struct Rule {
  std::string name;
  std::function<absl::Status(JobManager&)> call;
  absl::StatusCode code;
  std::string message;
};

class JobManagerRuleTest : public JobManagerTest,
                           public ::testing::WithParamInterface<int> {};

std::vector<Rule> Rules() {
  auto cancel = [](std::string id, std::string reason) {
    return [=](JobManager& m) {
      v1::CancelJobRequest r;
      r.set_job_id(id);
      r.set_reason(reason);
      return m.CancelJob(r).status();
    };
  };
  return {
      {"SubmitWithoutSpec", [](JobManager& m) { return m.Submit({}).status(); },
       absl::StatusCode::kInvalidArgument, "spec: required"},
      {"SubmitRequestIdTooLong",
       [](JobManager& m) {
         v1::SubmitJobRequest r;
         *r.mutable_spec() = Spec();
         r.set_request_id(std::string(129, 'x'));
         return m.Submit(r).status();
       },
       absl::StatusCode::kInvalidArgument, "request_id: 129 characters"},
      {"SubmitBadSpec",
       [](JobManager& m) {
         v1::SubmitJobRequest r;
         *r.mutable_spec() = Spec();
         r.mutable_spec()->mutable_budget()->set_max_trials(-1);
         return m.Submit(r).status();
       },
       absl::StatusCode::kInvalidArgument, "budget.max_trials"},
      {"GetWithoutId", [](JobManager& m) { return m.GetJob({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"GetUnknown",
       [](JobManager& m) {
         v1::GetJobRequest r;
         r.set_job_id("nope");
         return m.GetJob(r).status();
       },
       absl::StatusCode::kNotFound, "job_id: no job \"nope\""},
      {"ListJobsPageSize",
       [](JobManager& m) {
         v1::ListJobsRequest r;
         r.set_page_size(1001);
         return m.ListJobs(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_size"},
      {"ListJobsPageToken",
       [](JobManager& m) {
         v1::ListJobsRequest r;
         r.set_page_token("zz");
         return m.ListJobs(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_token"},
      {"CancelWithoutId", cancel("", ""), absl::StatusCode::kInvalidArgument,
       "job_id: required"},
      {"CancelReasonTooLong", cancel("x", std::string(1025, 'r')),
       absl::StatusCode::kInvalidArgument, "reason: 1025 characters"},
      {"CancelUnknown", cancel("nope", ""), absl::StatusCode::kNotFound,
       "job_id: no job"},
      {"ListTrialsWithoutId",
       [](JobManager& m) { return m.ListTrials({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"ListTrialsPageSize",
       [](JobManager& m) {
         v1::ListTrialsRequest r;
         r.set_job_id("x");
         r.set_page_size(-1);
         return m.ListTrials(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_size"},
      {"ListTrialsPageToken",
       [](JobManager& m) {
         v1::ListTrialsRequest r;
         r.set_job_id("x");
         r.set_page_token("-4");
         return m.ListTrials(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_token"},
      {"ParetoWithoutId",
       [](JobManager& m) { return m.GetParetoFront({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"DownloadWithoutTrial",
       [](JobManager& m) { return m.GetModel({}).status(); },
       absl::StatusCode::kInvalidArgument, "trial_id: required"},
      {"DownloadUnknownTrial",
       [](JobManager& m) {
         v1::DownloadModelRequest r;
         r.set_trial_id("nope/3");
         return m.GetModel(r).status();
       },
       absl::StatusCode::kNotFound, "trial_id: no trial"},
      {"ListJobsUnknownState",
       [](JobManager& m) {
         v1::ListJobsRequest r;
         r.add_states(v1::JOB_STATE_RUNNING);
         r.add_states(static_cast<v1::JobState>(77));
         return m.ListJobs(r).status();
       },
       absl::StatusCode::kInvalidArgument, "states[1]: 77 is not a job state"},
      {"ListTrialsUnspecifiedState",
       [](JobManager& m) {
         v1::ListTrialsRequest r;
         r.set_job_id("x");
         r.add_states(v1::TRIAL_STATE_UNSPECIFIED);
         return m.ListTrials(r).status();
       },
       absl::StatusCode::kInvalidArgument, "states[0]: 0 is not a trial state"},
      {"DownloadMalformedTrial",
       [](JobManager& m) {
         v1::DownloadModelRequest r;
         r.set_trial_id("job/x1");
         return m.GetModel(r).status();
       },
       absl::StatusCode::kInvalidArgument, "is not <job_id>/<index>"},
      {"WatchNegativeSequence",
       [](JobManager& m) { return m.ReadEvents("x", -1, 10).status(); },
       absl::StatusCode::kInvalidArgument, "after_sequence: -1 is negative"},
      {"WatchUnknown",
       [](JobManager& m) { return m.Subscribe("nope", [] {}).status(); },
       absl::StatusCode::kNotFound, "job_id: no job"},
  };
}

TEST_P(JobManagerRuleTest, Trips) {
  const Rule rule = Rules()[GetParam()];
  const absl::Status status = rule.call(*manager_);
  EXPECT_EQ(status.code(), rule.code) << rule.name << ": " << status;
  EXPECT_NE(status.message().find(rule.message), std::string::npos)
      << rule.name << ": " << status;
}

INSTANTIATE_TEST_SUITE_P(Rules, JobManagerRuleTest,
                         ::testing::Range(0, static_cast<int>(Rules().size())),
                         [](const auto& info) {
                           return Rules()[info.param].name;
                         });

TEST_F(JobManagerTest, ATrialWithoutAnExportHasNoModel) {
  AddWorker("w", 1);
  const std::string id = Submit(Spec("", 1));
  RunToEnd(id);
  v1::DownloadModelRequest request;
  request.set_trial_id(id + "/0");
  EXPECT_EQ(manager_->GetModel(request).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace nasprune::controller
