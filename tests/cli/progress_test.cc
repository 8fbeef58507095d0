#include "cli/progress.h"

#include "common/time/proto_time.h"
#include "gtest/gtest.h"

namespace nasprune::cli {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

JobProgress Running(int max_trials, int64_t max_wall_seconds) {
  JobProgress p;
  v1::JobStatus& job = p.status;
  job.set_state(v1::JOB_STATE_RUNNING);
  job.mutable_spec()->mutable_budget()->set_max_trials(max_trials);
  job.mutable_spec()->mutable_budget()->set_max_wall_seconds(max_wall_seconds);
  *job.mutable_start_time() = ToProtoTime(kStart);
  job.mutable_trials()->set_total(12);
  job.mutable_trials()->set_running(2);
  job.mutable_trials()->set_succeeded(9);
  job.mutable_trials()->set_failed(1);
  job.mutable_trials()->set_cache_hits(3);
  return p;
}

TEST(ShortDuration, PicksTheUnits) {
  EXPECT_EQ(ShortDuration(absl::Seconds(45)), "45s");
  EXPECT_EQ(ShortDuration(absl::Seconds(725)), "12m05s");
  EXPECT_EQ(ShortDuration(absl::Seconds(11220)), "3h07m");
  EXPECT_EQ(ShortDuration(absl::Seconds(-3)), "0s");
}

TEST(ProgressLine, ShowsCountsBestFrontElapsedAndEta) {
  JobProgress p = Running(100, 0);
  p.status.set_best_accuracy(0.90123);
  p.status.set_best_trial_id("j/4");
  p.front_size = 5;
  p.hypervolume = 0.8123;
  // 10 trials ended in 10 minutes: 90 more take 90 minutes.
  EXPECT_EQ(ProgressLine(p, kStart + absl::Minutes(10)),
            "RUNNING  12/100 trials  2 running  1 failed  3 cached  "
            "best 0.9012  front 5  HV 0.8123  10m00s  ETA 1h30m");
}

TEST(ProgressLine, TheWallBudgetBoundsTheEta) {
  const JobProgress p = Running(100, 1200);
  EXPECT_EQ(ProgressLine(p, kStart + absl::Minutes(10)),
            "RUNNING  12/100 trials  2 running  1 failed  3 cached  "
            "10m00s  ETA 10m00s");
}

TEST(ProgressLine, AFinalJobShowsItsDurationWithoutEta) {
  JobProgress p = Running(100, 0);
  p.status.set_state(v1::JOB_STATE_SUCCEEDED);
  *p.status.mutable_end_time() = ToProtoTime(kStart + absl::Seconds(75));
  EXPECT_EQ(ProgressLine(p, kStart + absl::Hours(5)),
            "SUCCEEDED  12/100 trials  2 running  1 failed  3 cached  1m15s");
}

TEST(ProgressLine, NoEtaBeforeAnyTrialEnds) {
  JobProgress p = Running(100, 0);
  p.status.mutable_trials()->Clear();
  EXPECT_EQ(ProgressLine(p, kStart + absl::Seconds(5)),
            "RUNNING  0/100 trials  0 running  0 failed  0 cached  5s");
}

}  // namespace
}  // namespace nasprune::cli
