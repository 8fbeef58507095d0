#include "bench/train_throughput/bench_plan.h"

#include "common/genome/cost.h"
#include "common/genome/network_plan.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"

namespace nasprune::bench {
namespace {

TEST(TwoConvPlan, EqualsThePlanOfTheExampleGenome) {
  v1::Genome genome;
  ASSERT_TRUE(LoadYamlFile("examples/genomes/two-conv.yaml", &genome).ok());
  const auto expected = genome::BuildNetworkPlan(genome, {});
  ASSERT_TRUE(expected.ok());
  const genome::NetworkPlan actual = TwoConvPlan();
  ASSERT_EQ(actual.blocks.size(), expected->blocks.size());
  for (size_t i = 0; i < actual.blocks.size(); ++i) {
    const auto& a = actual.blocks[i];
    const auto& e = expected->blocks[i];
    EXPECT_EQ(a.name, e.name);
    EXPECT_EQ(a.op, e.op);
    EXPECT_EQ(a.kernel, e.kernel);
    EXPECT_EQ(a.stride, e.stride);
    EXPECT_EQ(a.max_pool_before, e.max_pool_before);
    EXPECT_EQ(a.in_channels, e.in_channels);
    EXPECT_EQ(a.mid_channels, e.mid_channels);
    EXPECT_EQ(a.out_channels, e.out_channels);
    EXPECT_EQ(a.out_height, e.out_height);
    EXPECT_EQ(a.residual, e.residual);
    EXPECT_EQ(a.se.channels, e.se.channels);
  }
  const auto cost_a = genome::ComputeCost(actual, false);
  const auto cost_e = genome::ComputeCost(*expected, false);
  EXPECT_EQ(cost_a.params, cost_e.params);
  EXPECT_EQ(cost_a.macs, cost_e.macs);
  EXPECT_EQ(cost_a.params, 24058);  // reference_net.py has the same count.
}

}  // namespace
}  // namespace nasprune::bench
