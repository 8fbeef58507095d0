#include "worker/measure/measure.h"

#include "common/genome/network_plan.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/networks.h"

namespace nasprune::worker {
namespace {

TEST(Percentile, IsTheNearestRank) {
  const std::vector<double> ten = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  EXPECT_EQ(Percentile(ten, 0.5), 5);
  EXPECT_EQ(Percentile(ten, 0.9), 9);
  EXPECT_EQ(Percentile(ten, 1.0), 10);
  EXPECT_EQ(Percentile(ten, 0.01), 1);
  EXPECT_EQ(Percentile({3}, 0.5), 3);
  EXPECT_EQ(Percentile({3}, 0.9), 3);
  // 50 passes: p50 is the 25th smallest, p90 the 45th.
  std::vector<double> fifty;
  for (int i = 50; i >= 1; --i) fifty.push_back(i);
  EXPECT_EQ(Percentile(fifty, 0.5), 25);
  EXPECT_EQ(Percentile(fifty, 0.9), 45);
}

// On the CPU every pass is timed by the steady clock; p90 is never below
// p50, and both batch sizes are reported.
TEST(MeasureLatency, ReportsP50AndP90OfTheTimedPasses) {
  auto plan = genome::BuildNetworkPlan(
      testing::SampledGenome(3, testing::kGray), testing::kGray);
  ASSERT_TRUE(plan.ok()) << plan.status();
  Network network = testing::SeededNetwork(*plan, 1);
  const LatencyMeasurement m =
      MeasureLatency(*network, {.warmup = 2, .repeats = 9, .batch_size = 4});
  EXPECT_EQ(m.timing, "steady-clock");
  EXPECT_EQ(m.repeats, 9);
  EXPECT_EQ(m.batch_size, 4);
  EXPECT_GT(m.batch1_ms, 0);
  EXPECT_GE(m.batch1_p90_ms, m.batch1_ms);
  EXPECT_GT(m.batch_ms, 0);
  EXPECT_GE(m.batch_p90_ms, m.batch_ms);
  EXPECT_EQ(m.device.rfind("cpu (", 0), 0u) << m.device;
}

}  // namespace
}  // namespace nasprune::worker
