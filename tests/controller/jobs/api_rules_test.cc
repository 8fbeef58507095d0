// Every rule of the controller API's requests trips, with the field named
// (the registry's reads, submissions, cancellations and watches).

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/controller/jobs/manager_fixture.h"

namespace nasprune::controller {
namespace {

using testing::JobManagerTest;
using testing::Spec;

struct Rule {
  std::string name;
  std::function<absl::Status(JobManager&)> call;
  absl::StatusCode code;
  std::string message;
};

class ApiRuleTest : public JobManagerTest,
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
      {"SubmitRequestIdReusedForAnotherSpec",
       [](JobManager& m) {
         v1::SubmitJobRequest r;
         *r.mutable_spec() = Spec("", 3);
         r.set_request_id("once");
         if (absl::Status s = m.Submit(r).status(); !s.ok()) return s;
         r.mutable_spec()->mutable_budget()->set_max_trials(4);
         return m.Submit(r).status();
       },
       absl::StatusCode::kAlreadyExists,
       "request_id: \"once\" was used for job t-"},
      {"SubmitBadSpec",
       [](JobManager& m) {
         v1::SubmitJobRequest r;
         *r.mutable_spec() = Spec();
         r.mutable_spec()->mutable_budget()->set_max_trials(-1);
         return m.Submit(r).status();
       },
       absl::StatusCode::kInvalidArgument, "budget.max_trials"},
      {"GetWithoutId",
       [](JobManager& m) { return m.registry().GetJob({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"GetUnknown",
       [](JobManager& m) {
         v1::GetJobRequest r;
         r.set_job_id("nope");
         return m.registry().GetJob(r).status();
       },
       absl::StatusCode::kNotFound, "job_id: no job \"nope\""},
      {"ListJobsPageSize",
       [](JobManager& m) {
         v1::ListJobsRequest r;
         r.set_page_size(1001);
         return m.registry().ListJobs(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_size"},
      {"ListJobsPageToken",
       [](JobManager& m) {
         v1::ListJobsRequest r;
         r.set_page_token("zz");
         return m.registry().ListJobs(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_token"},
      {"CancelWithoutId", cancel("", ""), absl::StatusCode::kInvalidArgument,
       "job_id: required"},
      {"CancelReasonTooLong", cancel("x", std::string(1025, 'r')),
       absl::StatusCode::kInvalidArgument, "reason: 1025 characters"},
      {"CancelUnknown", cancel("nope", ""), absl::StatusCode::kNotFound,
       "job_id: no job"},
      {"ListTrialsWithoutId",
       [](JobManager& m) { return m.registry().ListTrials({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"ListTrialsPageSize",
       [](JobManager& m) {
         v1::ListTrialsRequest r;
         r.set_job_id("x");
         r.set_page_size(-1);
         return m.registry().ListTrials(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_size"},
      {"ListTrialsPageToken",
       [](JobManager& m) {
         v1::ListTrialsRequest r;
         r.set_job_id("x");
         r.set_page_token("-4");
         return m.registry().ListTrials(r).status();
       },
       absl::StatusCode::kInvalidArgument, "page_token"},
      {"ParetoWithoutId",
       [](JobManager& m) { return m.registry().GetParetoFront({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"DownloadWithoutTrial",
       [](JobManager& m) { return m.registry().ReadModel({}).status(); },
       absl::StatusCode::kInvalidArgument, "trial_id: required"},
      {"DownloadUnknownTrial",
       [](JobManager& m) {
         v1::DownloadModelRequest r;
         r.set_trial_id("nope/3");
         return m.registry().ReadModel(r).status();
       },
       absl::StatusCode::kNotFound, "trial_id: no trial"},
      {"ListJobsUnknownState",
       [](JobManager& m) {
         v1::ListJobsRequest r;
         r.add_states(v1::JOB_STATE_RUNNING);
         r.add_states(static_cast<v1::JobState>(77));
         return m.registry().ListJobs(r).status();
       },
       absl::StatusCode::kInvalidArgument, "states[1]: 77 is not a job state"},
      {"ListTrialsUnspecifiedState",
       [](JobManager& m) {
         v1::ListTrialsRequest r;
         r.set_job_id("x");
         r.add_states(v1::TRIAL_STATE_UNSPECIFIED);
         return m.registry().ListTrials(r).status();
       },
       absl::StatusCode::kInvalidArgument, "states[0]: 0 is not a trial state"},
      {"DownloadMalformedTrial",
       [](JobManager& m) {
         v1::DownloadModelRequest r;
         r.set_trial_id("job/x1");
         return m.registry().ReadModel(r).status();
       },
       absl::StatusCode::kInvalidArgument, "is not <job_id>/<index>"},
      {"WatchNegativeSequence",
       [](JobManager& m) {
         v1::WatchJobRequest r;
         r.set_job_id("x");
         r.set_after_sequence(-1);
         return m.events().Open(r).status();
       },
       absl::StatusCode::kInvalidArgument, "after_sequence: -1 is negative"},
      {"WatchFromTheFirstEventAfterASequence",
       [](JobManager& m) {
         v1::WatchJobRequest r;
         r.set_job_id("x");
         r.set_after_sequence(3);
         r.set_from_first_event(true);
         return m.events().Open(r).status();
       },
       absl::StatusCode::kInvalidArgument,
       "from_first_event: only with after_sequence 0 (it is 3)"},
      {"WatchWithoutId",
       [](JobManager& m) { return m.events().Open({}).status(); },
       absl::StatusCode::kInvalidArgument, "job_id: required"},
      {"WatchUnknown",
       [](JobManager& m) {
         return m.events().Subscribe("nope", [] {}).status();
       },
       absl::StatusCode::kNotFound, "job_id: no job"},
  };
}

TEST_P(ApiRuleTest, Trips) {
  const Rule rule = Rules()[GetParam()];
  const absl::Status status = rule.call(*manager_);
  EXPECT_EQ(status.code(), rule.code) << rule.name << ": " << status;
  EXPECT_NE(status.message().find(rule.message), std::string::npos)
      << rule.name << ": " << status;
}

INSTANTIATE_TEST_SUITE_P(Rules, ApiRuleTest,
                         ::testing::Range(0, static_cast<int>(Rules().size())),
                         [](const auto& info) {
                           return Rules()[info.param].name;
                         });

}  // namespace
}  // namespace nasprune::controller
