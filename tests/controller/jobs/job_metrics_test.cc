// What a job adds to the controller's metrics as it proposes trials.
#include "common/metrics/metrics.h"
#include "controller/jobs/job.h"
#include "controller/metrics.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"

namespace nasprune::controller {
namespace {

using testing::Spec;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(JobMetrics, CountsProposalsAndRefusedDraws) {
  metrics::Registry registry;
  ControllerMetrics m(registry);
  v1::JobStatus status;
  status.set_job_id("j");
  // A tight parameter budget: many random draws of the default space break
  // it and are refused before they are proposed.
  *status.mutable_spec() = Spec("constraints: {max_params: 3000}", 6);
  status.set_state(v1::JOB_STATE_PENDING);
  absl::StatusOr<std::unique_ptr<Job>> job =
      Job::Create(status, {.metrics = &m});
  ASSERT_TRUE(job.ok()) << job.status();
  (*job)->Start(kNow);
  int proposed = 0;
  while ((*job)->NextTrial(2, kNow).has_value()) ++proposed;
  EXPECT_EQ(proposed, 6);
  EXPECT_EQ(m.strategy_proposals.Labels({"random"}).Value(), 6);
  EXPECT_GT(m.strategy_rejected_draws.Labels({"random", "infeasible"}).Value(),
            0);
  const std::string text = registry.TextFormat();
  EXPECT_NE(
      text.find("nasprune_strategy_proposals_total{strategy=\"random\"} 6"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace nasprune::controller
