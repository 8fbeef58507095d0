#include "worker/model/network.h"

#include <map>

#include "common/genome/cost.h"
#include "common/genome/default_space.h"
#include "common/genome/network_plan.h"
#include "common/genome/sampler.h"
#include "gtest/gtest.h"
#include "worker/measure/measure.h"

namespace nasprune::worker {
namespace {

// The model built from every sampled genome (pruning plans applied) has
// exactly the analytic parameter count, and the MACs read from its real
// tensor shapes match the analytic count layer by layer.
void CheckSampledGenomes(const genome::InputSpec& input, int count,
                         uint64_t seed) {
  auto sampler = genome::GenomeSampler::Create(
      {.scope = {.space = genome::DefaultSearchSpace(input),
                 .mode = v1::SEARCH_MODE_JOINT}});
  ASSERT_TRUE(sampler.ok());
  Rng rng(seed);
  torch::manual_seed(0);
  for (int i = 0; i < count; ++i) {
    v1::Genome g = (*sampler)->Sample(rng);
    if (i % 4 == 0) {  // Cover factorized heads too.
      g.mutable_pruning()->mutable_low_rank()->set_rank_ratio(0.3);
    }
    const auto plan = genome::BuildNetworkPlan(g, input);
    ASSERT_TRUE(plan.ok()) << plan.status();
    const auto analytic = genome::ComputeCost(*plan, false);
    Network network(*plan);
    const CostMeasurement measured = MeasureCost(*network);
    ASSERT_EQ(measured.params, analytic.params) << g.DebugString();
    ASSERT_EQ(measured.macs, analytic.macs) << g.DebugString();
    std::map<std::string, std::pair<int64_t, int64_t>> expected;
    for (const auto& layer : analytic.layers) {
      if (layer.macs > 0) expected[layer.name] = {layer.params, layer.macs};
    }
    ASSERT_EQ(measured.layers.size(), expected.size()) << g.DebugString();
    for (const LayerRecord& r : measured.layers) {
      ASSERT_TRUE(expected.contains(r.name)) << r.name;
      EXPECT_EQ(expected[r.name].first, r.params) << r.name;
      EXPECT_EQ(expected[r.name].second, r.macs) << r.name;
    }
    // A training-mode forward/backward works at batch 2.
    const auto out = network->forward(
        torch::randn({2, input.channels, input.height, input.width}));
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, input.num_classes}));
    out.sum().backward();
  }
}

TEST(Network, CountsEqualAnalyticOnSampledGrayGenomes) {
  CheckSampledGenomes(
      {.channels = 1, .height = 28, .width = 28, .num_classes = 10}, 160, 11);
}

TEST(Network, CountsEqualAnalyticOnSampledRgbGenomes) {
  CheckSampledGenomes(
      {.channels = 3, .height = 32, .width = 32, .num_classes = 10}, 60, 12);
}

TEST(Network, ModuleNamesFollowTheLayerNames) {
  genome::NetworkPlan plan;
  plan.input = {.channels = 1, .height = 8, .width = 8, .num_classes = 3};
  plan.stem = {.in_channels = 1,
               .out_channels = 4,
               .kernel = 3,
               .height = 8,
               .width = 8};
  genome::BlockPlan block;
  block.name = "stages[0].blocks[0]";
  block.op = genome::Operator::kMbconv;
  block.in_channels = 4;
  block.mid_channels = 8;
  block.has_expand = true;
  block.out_channels = 4;
  block.se = {.channels = 8, .hidden = 2};
  block.residual = true;
  plan.blocks.push_back(block);
  plan.head.in_channels = 4;
  plan.head.classifier = {.in = 4, .out = 3, .rank = 0};
  Network network(plan);
  std::set<std::string> names;
  for (const auto& p : network->named_parameters()) names.insert(p.key());
  EXPECT_TRUE(names.contains("blocks.0.expand.weight"));
  EXPECT_TRUE(names.contains("blocks.0.se.reduce.bias"));
  EXPECT_TRUE(names.contains("blocks.0.bn_project.weight"));
  EXPECT_TRUE(names.contains("classifier.dense.weight"));
}

}  // namespace
}  // namespace nasprune::worker
