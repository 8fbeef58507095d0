#include "worker/prune/surgery.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/genome/cost.h"
#include "common/genome/network_plan.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "tests/worker/testing/networks.h"
#include "worker/export/torchscript.h"
#include "worker/measure/measure.h"

namespace nasprune::worker {
namespace {

using testing::kGray;
using testing::kRgb;
using testing::ParsedGenome;

// Random sorted channels to keep for every group the plan prunes.
std::vector<torch::Tensor> RandomKeep(const genome::NetworkPlan& plan,
                                      uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> keep(plan.groups.size());
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    const auto& group = plan.groups[g];
    if (group.kept == group.channels) continue;
    keep[g] = std::get<0>(torch::randperm(group.channels, torch::kLong)
                              .slice(0, 0, group.kept)
                              .sort());
  }
  return keep;
}

// Zeroes the channels surgery will remove, in every batch norm that produces
// them (γ = β = 0, so activations give 0) and in the hidden layer's rows, so
// that they contribute nothing. The membership is written out here,
// independently of the pruner's own bookkeeping.
void ZeroRemoved(NetworkImpl& net, const std::vector<torch::Tensor>& keep) {
  torch::NoGradGuard no_grad;
  auto removed = [&](int group) {
    const int channels = net.plan().groups[group].channels;
    torch::Tensor mask = torch::ones({channels}, torch::kBool);
    if (keep[group].defined())
      mask.index_fill_(0, keep[group], false);
    else
      mask.fill_(false);
    return mask;
  };
  auto zero_bn = [&](torch::nn::BatchNorm2d& bn, int group) {
    const torch::Tensor mask = removed(group);
    bn->weight.masked_fill_(mask, 0);
    bn->bias.masked_fill_(mask, 0);
  };
  zero_bn(net.stem_bn, 0);
  for (Block& block : net.blocks) {
    const auto& p = block->plan();
    switch (p.op) {
      case genome::Operator::kConv:
        zero_bn(block->bn, p.out_group);
        break;
      case genome::Operator::kDepthwiseSeparable:
        zero_bn(block->bn_dw, p.in_group);
        zero_bn(block->bn_pw, p.out_group);
        break;
      case genome::Operator::kMbconv:
        if (p.has_expand) zero_bn(block->bn_expand, p.expanded_group);
        zero_bn(block->bn_dw, p.has_expand ? p.expanded_group : p.in_group);
        zero_bn(block->bn_project, p.out_group);
        break;
    }
  }
  if (net.hidden) {
    const torch::Tensor mask = removed(net.plan().head.hidden_group);
    net.hidden->dense->weight.masked_fill_(mask.unsqueeze(1), 0);
    net.hidden->dense->bias.masked_fill_(mask, 0);
  }
}

double MaxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

struct Pruned {
  Network parent{nullptr};
  Network child{nullptr};
  torch::Tensor input;
};

// Prunes a seeded parent of `genome` at random channels (the genome's kept
// counts) after zeroing the removed ones, and checks that the pruned network
// computes the same function, has the genome's analytic params and MACs, and
// has the genome's plan.
Pruned PruneAndCheck(v1::Genome genome, const genome::InputSpec& input,
                     uint64_t seed) {
  genome.mutable_pruning()->clear_low_rank();
  const auto plan = genome::BuildNetworkPlan(genome, input);
  EXPECT_TRUE(plan.ok()) << plan.status();
  Pruned p;
  p.parent = testing::SeededNetwork(genome::UnprunedPlan(*plan), seed);
  const std::vector<torch::Tensor> keep = RandomKeep(*plan, seed);
  ZeroRemoved(*p.parent, keep);
  p.child = ApplySurgery(*p.parent, {.keep = keep});
  EXPECT_FALSE(p.child->is_training());
  p.input = torch::randn({3, input.channels, input.height, input.width});
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = p.parent->forward(p.input);
  EXPECT_LE(MaxDiff(expected, p.child->forward(p.input)),
            1e-5 * (1 + expected.abs().max().item<double>()))
      << "seed " << seed;
  const auto analytic = genome::ComputeGenomeCost(genome, input);
  EXPECT_TRUE(analytic.ok());
  const CostMeasurement measured = MeasureCost(*p.child);
  EXPECT_EQ(measured.params, analytic->params) << "seed " << seed;
  EXPECT_EQ(measured.macs, analytic->macs) << "seed " << seed;
  EXPECT_EQ(genome::KeptPerGroup(p.child->plan()), genome::KeptPerGroup(*plan));
  return p;
}

// One genome per channel-group rule (network_plan.h, docs/genome.md); each
// prunes the group the rule is about and must keep the network's function.
struct Rule {
  const char* name;
  const char* yaml;
};

class ChannelGroupRule : public ::testing::TestWithParam<Rule> {};

TEST_P(ChannelGroupRule, PrunedNetworkComputesTheSameFunction) {
  const v1::Genome genome = ParsedGenome(GetParam().yaml);
  const Pruned p = PruneAndCheck(genome, kGray, 7);
  EXPECT_LT(CountParameters(*p.child), CountParameters(*p.parent));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ChannelGroupRule,
    ::testing::Values(Rule{"BnFollowsItsConv", R"(
arch:
  stem: {channels: 12, kernel: 3, activation: relu}
  stages: [{channels: 16, downsample: none, blocks: [{op: conv, kernel: 3, activation: relu6}]}]
pruning: {criterion: l1, keep_ratios: {stem: 0.5, "stages[0].blocks[0]": 0.25}}
)"},
                      Rule{"ResidualChainJoinsTheStemGroup", R"(
arch:
  stem: {channels: 16, kernel: 3, activation: relu}
  stages:
    - channels: 16
      downsample: none
      blocks:
        - {op: conv, kernel: 3, activation: relu, residual: true}
        - {op: depthwise_separable, kernel: 5, activation: silu, residual: true}
        - {op: mbconv, kernel: 3, expansion: 2, activation: hard_swish, residual: true}
pruning: {criterion: l1, keep_ratios: {stem: 0.375}}
)"},
                      Rule{"ResidualChainAfterAPlainBlock", R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - channels: 24
      downsample: stride2
      blocks:
        - {op: conv, kernel: 3, activation: relu}
        - {op: conv, kernel: 3, activation: relu, residual: true}
        - {op: mbconv, kernel: 5, expansion: 1, activation: relu6, residual: true}
pruning: {criterion: l1, keep_ratios: {"stages[0].blocks[0]": 0.5}}
)"},
                      Rule{"DepthwiseFollowsItsInput", R"(
arch:
  stem: {channels: 16, kernel: 3, activation: relu}
  stages:
    - channels: 24
      downsample: max_pool
      blocks: [{op: depthwise_separable, kernel: 3, activation: relu, squeeze_excite: true}]
pruning: {criterion: l1, keep_ratios: {stem: 0.25, "stages[0].blocks[0]": 0.5}}
)"},
                      Rule{"MbconvWithoutExpansionFollowsItsInput", R"(
arch:
  stem: {channels: 16, kernel: 3, activation: relu}
  stages:
    - channels: 8
      downsample: stride2
      blocks: [{op: mbconv, kernel: 3, expansion: 1, activation: silu, squeeze_excite: true}]
pruning: {criterion: l1, keep_ratios: {stem: 0.5, "stages[0].blocks[0]": 0.75}}
)"},
                      Rule{"MbconvExpandedGroup", R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - channels: 16
      downsample: none
      blocks: [{op: mbconv, kernel: 5, expansion: 4, activation: hard_swish, squeeze_excite: true}]
pruning: {criterion: l1, keep_ratios: {"stages[0].blocks[0].expanded": 0.25}}
)"},
                      Rule{"SqueezeExciteFollowsItsBlock", R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - channels: 32
      downsample: none
      blocks: [{op: conv, kernel: 3, activation: relu, squeeze_excite: true}]
pruning: {criterion: l1, keep_ratios: {"stages[0].blocks[0]": 0.125}}
)"},
                      Rule{"ClassifierInputFollowsTheLastGroup", R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - {channels: 16, downsample: max_pool, blocks: [{op: conv, kernel: 3, activation: relu}]}
    - {channels: 32, downsample: stride2, blocks: [{op: depthwise_separable, kernel: 3, activation: relu}]}
pruning: {criterion: l1, keep_ratios: {"stages[1].blocks[0]": 0.25}}
)"},
                      Rule{"HiddenUnitsAndTheirInput", R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages: [{channels: 16, downsample: none, blocks: [{op: conv, kernel: 3, activation: relu}]}]
  head: {hidden_units: 32, activation: hard_swish, dropout: 0.2}
pruning: {criterion: l1, keep_ratios: {"stages[0].blocks[0]": 0.5, head.hidden: 0.25}}
)"},
                      Rule{"GroupNeverDropsBelowOneChannel", R"(
arch:
  stem: {channels: 4, kernel: 3, activation: relu}
  stages: [{channels: 4, downsample: none, blocks: [{op: conv, kernel: 3, activation: relu}]}]
pruning: {criterion: l1, keep_ratios: {stem: 0.01, "stages[0].blocks[0]": 0.01}}
)"}),
    [](const ::testing::TestParamInfo<Rule>& info) {
      return std::string(info.param.name);
    });

// ≥ 200 sampled genomes at their random plans: the pruned model runs, has
// the analytic counts, exports, and the archive reloads with equal outputs.
TEST(ApplySurgery, SampledGenomesPruneExportAndReload) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const genome::InputSpec& input = seed % 4 == 3 ? kRgb : kGray;
    Pruned p = PruneAndCheck(testing::SampledGenome(seed, input), input, seed);
    torch::jit::Module scripted = ExportTorchScript(*p.child);
    std::stringstream archive;
    scripted.save(archive);
    torch::jit::Module reloaded = torch::jit::load(archive);
    torch::NoGradGuard no_grad;
    const torch::Tensor expected = p.child->forward(p.input);
    const torch::Tensor actual = reloaded.forward({p.input}).toTensor();
    ASSERT_LE(MaxDiff(expected, actual),
              1e-5 * (1 + expected.abs().max().item<double>()))
        << "seed " << seed;
  }
}

TEST(ApplySurgery, PrunedArchivesLoadInPythonWithEqualOutputs) {
  testing::TempDir dir;
  for (uint64_t seed : {11, 12, 13, 14}) {
    Pruned p = PruneAndCheck(testing::SampledGenome(seed, kGray), kGray, seed);
    const std::string stem = dir.File("p" + std::to_string(seed));
    SaveTorchScript(*p.child, stem + ".pt");
    torch::NoGradGuard no_grad;
    testing::WriteFloats(stem + ".input", p.input);
    testing::WriteFloats(stem + ".expected", p.child->forward(p.input));
  }
  const std::string command =
      "/usr/bin/python3 tests/worker/export/check_torchscript.py " +
      dir.path() + " 1 28 28 10";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

v1::Genome HeadGenome() {
  return ParsedGenome(R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages: [{channels: 24, downsample: max_pool, blocks: [{op: conv, kernel: 3, activation: relu}]}]
  head: {hidden_units: 48, activation: relu}
)");
}

TEST(ApplySurgery, FullRankFactorizationKeepsTheFunction) {
  const auto plan = genome::BuildNetworkPlan(HeadGenome(), kGray);
  ASSERT_TRUE(plan.ok());
  Network parent = testing::SeededNetwork(*plan, 3);
  Surgery surgery;
  surgery.keep.resize(plan->groups.size());
  surgery.hidden_rank = 24;      // min(24, 48).
  surgery.classifier_rank = 10;  // min(48, 10).
  Network child = ApplySurgery(*parent, surgery);
  EXPECT_EQ(child->plan().head.hidden.rank, 24);
  ASSERT_TRUE(child->hidden->u);
  const torch::Tensor x = torch::randn({4, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_LE(MaxDiff(parent->forward(x), child->forward(x)), 1e-4);
}

TEST(ApplySurgery, TruncatedFactorizationHasTheAnalyticCount) {
  v1::Genome genome = HeadGenome();
  genome.mutable_pruning()->mutable_low_rank()->set_rank_ratio(0.25);
  const auto plan = genome::BuildNetworkPlan(genome, kGray);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->head.hidden.rank, 6);
  Network parent = testing::SeededNetwork(genome::UnprunedPlan(*plan), 3);
  Surgery surgery;
  surgery.keep.resize(plan->groups.size());
  surgery.hidden_rank = plan->head.hidden.rank;
  surgery.classifier_rank = plan->head.classifier.rank;
  Network child = ApplySurgery(*parent, surgery);
  const auto analytic = genome::ComputeGenomeCost(genome, kGray);
  ASSERT_TRUE(analytic.ok());
  EXPECT_EQ(MeasureCost(*child).params, analytic->params);
  EXPECT_EQ(MeasureCost(*child).macs, analytic->macs);
  // Rank 6 of 24 keeps the leading singular directions: the outputs move,
  // but stay close for a layer whose spectrum decays.
  const torch::Tensor x = torch::randn({4, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_GT(MaxDiff(parent->forward(x), child->forward(x)), 0);
}

TEST(ApplySurgery, SlicesAFactorizedSourceWithoutRecomputingIt) {
  v1::Genome genome = HeadGenome();
  genome.mutable_pruning()->mutable_low_rank()->set_rank_ratio(0.25);
  auto plan = genome::BuildNetworkPlan(genome, kGray);
  ASSERT_TRUE(plan.ok());
  Network parent = testing::SeededNetwork(*plan, 4);  // Factorized head.
  // Keep 12 of the 24 channels feeding the hidden layer; zero the rest.
  std::vector<torch::Tensor> keep(plan->groups.size());
  const int last = plan->head.in_group;
  keep[last] = torch::arange(0, 24, 2, torch::kLong);
  {
    torch::NoGradGuard no_grad;
    auto& bn = parent->blocks[0]->bn;
    bn->weight.slice(0, 1, 24, 2).zero_();
    bn->bias.slice(0, 1, 24, 2).zero_();
  }
  Network child = ApplySurgery(*parent, {.keep = keep});
  EXPECT_EQ(child->plan().head.hidden.rank, 6);
  EXPECT_EQ(child->hidden->u->weight.size(1), 12);
  const torch::Tensor x = torch::randn({4, 1, 28, 28});
  torch::NoGradGuard no_grad;
  EXPECT_LE(MaxDiff(parent->forward(x), child->forward(x)), 1e-5);
}

TEST(ApplySurgery, RejectsKeepListsThatDoNotFit) {
  const auto plan = genome::BuildNetworkPlan(HeadGenome(), kGray);
  ASSERT_TRUE(plan.ok());
  Network parent = testing::SeededNetwork(*plan, 1);
  EXPECT_THROW(ApplySurgery(*parent, {.keep = {torch::Tensor()}}),
               std::invalid_argument);
  std::vector<torch::Tensor> keep(plan->groups.size());
  keep[0] = torch::tensor({0, 8}, torch::kLong);  // The stem has 8 channels.
  EXPECT_THROW(ApplySurgery(*parent, {.keep = keep}), std::invalid_argument);
  keep[0] = torch::empty({0}, torch::kLong);
  EXPECT_THROW(ApplySurgery(*parent, {.keep = keep}), std::invalid_argument);
}

}  // namespace
}  // namespace nasprune::worker
