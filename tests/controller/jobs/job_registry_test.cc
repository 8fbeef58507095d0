// The job registry over an in-memory store: how jobs get their ids and are
// created (idempotent per request id), and the API's reads of them.

#include "controller/jobs/job_registry.h"

#include <regex>

#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller {
namespace {

using testing::FlakyStore;
using testing::Spec;

class JobRegistryTest : public ::testing::Test {
 protected:
  JobRegistryTest() { registry_ = NewRegistry(); }

  std::unique_ptr<JobRegistry> NewRegistry() {
    absl::StatusOr<std::unique_ptr<JobRegistry>> registry =
        JobRegistry::Create({.store = &store_, .clock = &clock_});
    EXPECT_TRUE(registry.ok()) << registry.status();
    return *std::move(registry);
  }

  absl::StatusOr<v1::JobStatus> Submit(const v1::JobSpec& spec,
                                       const std::string& request_id = "") {
    v1::SubmitJobRequest request;
    *request.mutable_spec() = spec;
    request.set_request_id(request_id);
    return registry_->Submit(request);
  }

  std::string SubmitId(const v1::JobSpec& spec,
                       const std::string& request_id = "") {
    absl::StatusOr<v1::JobStatus> job = Submit(spec, request_id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? job->job_id() : "";
  }

  FlakyStore store_;
  nasprune::testing::FakeClock clock_;
  std::unique_ptr<JobRegistry> registry_;
};

TEST_F(JobRegistryTest, AJobIdIsItsNameAndTwelveHexDigits) {
  const std::regex form("t-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(SubmitId(Spec()), form));
  EXPECT_TRUE(std::regex_match(SubmitId(Spec(), "some-request"), form));
}

TEST_F(JobRegistryTest, ANewJobIsStoredPendingWithItsFirstEvent) {
  absl::StatusOr<v1::JobStatus> job = Submit(Spec());
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state(), v1::JOB_STATE_PENDING);
  EXPECT_EQ(job->last_sequence(), 1);
  EXPECT_EQ(store_.GetJob(job->job_id())->state(), v1::JOB_STATE_PENDING);
}

TEST_F(JobRegistryTest, ARetryWithTheSameRequestReturnsTheFirstJob) {
  const std::string a = SubmitId(Spec(), "retry-me");
  EXPECT_EQ(SubmitId(Spec(), "retry-me"), a);
  EXPECT_NE(SubmitId(Spec(), "another"), a);
  // A new registry on the same store still finds it.
  registry_ = NewRegistry();
  EXPECT_EQ(SubmitId(Spec(), "retry-me"), a);
  EXPECT_EQ(store_.ListJobs()->size(), 2u);
}

TEST_F(JobRegistryTest, ARequestIdReusedForAnotherSpecIsRefusedNamingTheJob) {
  const std::string a = SubmitId(Spec("", 3), "once");
  absl::StatusOr<v1::JobStatus> other = Submit(Spec("", 4), "once");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(other.status().message().find(a), std::string::npos)
      << other.status();
  // Also when the first is known only from the store (another controller
  // created it after this registry loaded the jobs).
  FlakyStore later;
  absl::StatusOr<std::unique_ptr<JobRegistry>> other_registry =
      JobRegistry::Create({.store = &later, .clock = &clock_});
  ASSERT_TRUE(other_registry.ok());
  ASSERT_TRUE(later.CreateJob(*store_.GetJob(a)).ok());
  v1::SubmitJobRequest request;
  *request.mutable_spec() = Spec("", 4);
  request.set_request_id("once");
  EXPECT_EQ((*other_registry)->Submit(request).status().code(),
            absl::StatusCode::kAlreadyExists);
  *request.mutable_spec() = Spec("", 3);
  absl::StatusOr<v1::JobStatus> same = (*other_registry)->Submit(request);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->job_id(), a);
}

TEST_F(JobRegistryTest, ARequestIdReusedUnderAnotherNameIsRefused) {
  const std::string a = SubmitId(Spec("", 3), "shared");
  v1::JobSpec renamed = Spec("", 3);
  renamed.set_name("other");
  absl::StatusOr<v1::JobStatus> refused = Submit(renamed, "shared");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find(a), std::string::npos)
      << refused.status();
  EXPECT_EQ(store_.ListJobs()->size(), 1u);
}

TEST_F(JobRegistryTest, ValidateOnlyCreatesNothing) {
  v1::SubmitJobRequest request;
  *request.mutable_spec() = Spec();
  request.set_validate_only(true);
  absl::StatusOr<v1::JobStatus> job = registry_->Submit(request);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(job->job_id().empty());
  EXPECT_EQ(job->spec().budget().max_trials(), 4);
  EXPECT_TRUE(store_.ListJobs()->empty());
}

TEST_F(JobRegistryTest, ASubmitTheStoreRefusesCreatesNothing) {
  store_.down = true;
  EXPECT_EQ(Submit(Spec()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(registry_->ListJobs({})->jobs().empty());
}

TEST_F(JobRegistryTest, ListsPageThroughJobsNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(SubmitId(Spec("", 3)));
  v1::ListJobsRequest list;
  list.set_page_size(2);
  absl::StatusOr<v1::ListJobsResponse> page = registry_->ListJobs(list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs_size(), 2);
  EXPECT_EQ(page->jobs(0).job_id(), ids[2]);
  EXPECT_EQ(page->jobs(1).job_id(), ids[1]);
  list.set_page_token(page->next_page_token());
  page = registry_->ListJobs(list);
  ASSERT_EQ(page->jobs_size(), 1);
  EXPECT_EQ(page->jobs(0).job_id(), ids[0]);
  EXPECT_TRUE(page->next_page_token().empty());
  list.Clear();
  list.add_states(v1::JOB_STATE_RUNNING);
  EXPECT_EQ(registry_->ListJobs(list)->jobs_size(), 0);
  list.add_states(v1::JOB_STATE_PENDING);
  EXPECT_EQ(registry_->ListJobs(list)->jobs_size(), 3);
}

TEST_F(JobRegistryTest, ListsTrialsInOrderAndByState) {
  const std::string id = SubmitId(Spec("", 3));
  {
    absl::MutexLock lock(&registry_->mu());
    Job* job = registry_->Find(id);
    job->Start(clock_.Now());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(job->NextTrial(1, clock_.Now()));
    job->Dispatched(0, "w", clock_.Now());
  }
  v1::ListTrialsRequest trials;
  trials.set_job_id(id);
  trials.set_page_size(2);
  absl::StatusOr<v1::ListTrialsResponse> first = registry_->ListTrials(trials);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->trials_size(), 2);
  EXPECT_EQ(first->trials(1).index(), 1);
  trials.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListTrialsResponse> second = registry_->ListTrials(trials);
  ASSERT_EQ(second->trials_size(), 1);
  EXPECT_EQ(second->trials(0).index(), 2);
  EXPECT_TRUE(second->next_page_token().empty());
  trials.Clear();
  trials.set_job_id(id);
  trials.add_states(v1::TRIAL_STATE_RUNNING);
  absl::StatusOr<v1::ListTrialsResponse> running =
      registry_->ListTrials(trials);
  ASSERT_EQ(running->trials_size(), 1);
  EXPECT_EQ(running->trials(0).index(), 0);
}

TEST_F(JobRegistryTest, JobsAreReadBackFromTheStore) {
  const std::string a = SubmitId(Spec());
  const std::string b = SubmitId(Spec());
  registry_ = NewRegistry();
  absl::ReaderMutexLock lock(&registry_->mu());
  ASSERT_EQ(registry_->jobs().size(), 2u);
  EXPECT_NE(registry_->Find(a), nullptr);
  EXPECT_NE(registry_->Find(b), nullptr);
}

}  // namespace
}  // namespace nasprune::controller
