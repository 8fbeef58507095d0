#include "worker/prune/importance.h"

#include "common/genome/network_plan.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/networks.h"

namespace nasprune::worker {
namespace {

using genome::Criterion;

// stem (8) → conv block (16, group 1) → DS block (16 → 12, group 2) → head
// with 6 hidden units (group 3).
Network SmallNetwork() {
  v1::Genome genome;
  const absl::Status status = ParseYamlToMessage(R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - channels: 16
      downsample: max_pool
      blocks: [{op: conv, kernel: 3, activation: relu}]
    - channels: 12
      downsample: none
      blocks: [{op: depthwise_separable, kernel: 3, activation: relu}]
  head: {hidden_units: 6, activation: relu}
)",
                                                 "small.yaml", &genome);
  EXPECT_TRUE(status.ok()) << status;
  const auto plan = genome::BuildNetworkPlan(genome, testing::kGray);
  EXPECT_TRUE(plan.ok());
  return testing::SeededNetwork(*plan, 11);
}

Split RandomData(int n) {
  torch::manual_seed(5);
  return {torch::randn({n, 1, 28, 28}), torch::randint(0, 10, {n})};
}

TEST(GroupImportance, OneScorePerChannelOfEveryGroup) {
  Network net = SmallNetwork();
  const Split data = RandomData(64);
  for (Criterion c : {Criterion::kL1, Criterion::kL2, Criterion::kBnScale,
                      Criterion::kTaylor, Criterion::kRandom}) {
    const auto scores = GroupImportance(
        *net,
        {.criterion = c, .data = &data, .taylor_batches = 2, .batch_size = 32});
    ASSERT_EQ(scores.size(), 4u);
    EXPECT_EQ(scores[0].numel(), 8);
    EXPECT_EQ(scores[1].numel(), 16);
    EXPECT_EQ(scores[2].numel(), 12);
    EXPECT_EQ(scores[3].numel(), 6);
    for (const auto& s : scores) EXPECT_GE(s.min().item<double>(), 0);
  }
}

TEST(GroupImportance, L1RanksFiltersByTheirNorm) {
  Network net = SmallNetwork();
  {
    torch::NoGradGuard no_grad;
    // Filter k of the conv block has every weight equal to (k + 1) / 100;
    // the depthwise filters reading group 1 are all equal, so they do not
    // change the order.
    auto& w = net->blocks[0]->conv->weight;
    for (int k = 0; k < 16; ++k) w[k].fill_((k + 1) / 100.0);
    net->blocks[1]->dw->weight.fill_(0.3);
    for (auto* bn : {net->blocks[0]->bn.get(), net->blocks[1]->bn_dw.get()}) {
      bn->weight.fill_(1);
      bn->running_var.fill_(1);
    }
  }
  const auto scores = GroupImportance(*net, {.criterion = Criterion::kL1});
  EXPECT_TRUE(torch::equal(TopChannels(scores[1], 4),
                           torch::tensor({12, 13, 14, 15}, torch::kLong)));
  // L2 agrees on a uniform filter.
  const auto l2 = GroupImportance(*net, {.criterion = Criterion::kL2});
  EXPECT_TRUE(torch::equal(TopChannels(l2[1], 4), TopChannels(scores[1], 4)));
}

TEST(GroupImportance, L1FoldsTheBatchNormIntoTheFilter) {
  Network net = SmallNetwork();
  {
    torch::NoGradGuard no_grad;
    // Equal stem filters; the stem's batch norm scales channel k by
    // γ/√(var + ε) = k + 1 (var = 1 − ε), so channel 7 matters most.
    net->stem_conv->weight.fill_(0.1);
    net->stem_bn->running_var.fill_(1 - net->stem_bn->options.eps());
    for (int k = 0; k < 8; ++k) net->stem_bn->weight[k].fill_(k + 1.0);
  }
  const auto scores = GroupImportance(*net, {.criterion = Criterion::kL1});
  EXPECT_TRUE(torch::equal(TopChannels(scores[0], 2),
                           torch::tensor({6, 7}, torch::kLong)));
  EXPECT_NEAR(scores[0][7].item<double>() / scores[0][0].item<double>(), 8,
              1e-6);
}

TEST(GroupImportance, MembersWeighEquallyWhateverTheirSize) {
  Network net = SmallNetwork();
  {
    torch::NoGradGuard no_grad;
    // Group 2 holds the DS block's pointwise conv (12 filters of 16 inputs)
    // only; scaling all of it leaves the normalized scores unchanged.
    net->blocks[1]->pw->weight.mul_(100);
  }
  const auto scaled = GroupImportance(*net, {.criterion = Criterion::kL1});
  {
    torch::NoGradGuard no_grad;
    net->blocks[1]->pw->weight.div_(100);
  }
  const auto plain = GroupImportance(*net, {.criterion = Criterion::kL1});
  EXPECT_TRUE(torch::allclose(scaled[2], plain[2]));
}

TEST(GroupImportance, BnScaleReadsGamma) {
  Network net = SmallNetwork();
  {
    torch::NoGradGuard no_grad;
    net->stem_bn->weight.copy_(
        torch::tensor({0.1, -3.0, 0.2, 2.0, -0.05, 1.0, 0.3, 0.4}));
  }
  const auto scores = GroupImportance(*net, {.criterion = Criterion::kBnScale});
  EXPECT_TRUE(torch::equal(TopChannels(scores[0], 3),
                           torch::tensor({1, 3, 5}, torch::kLong)));
}

TEST(GroupImportance, TaylorScoresADeadChannelZero) {
  Network net = SmallNetwork();
  {
    torch::NoGradGuard no_grad;
    // Channel 3 of group 1 contributes nothing: the conv block's filter, γ
    // and β, and the γ and β of the depthwise conv that reads it, are zero.
    // Its first-order term Σ w·∂L/∂w is exactly 0.
    net->blocks[0]->conv->weight[3].zero_();
    net->blocks[0]->bn->weight[3].zero_();
    net->blocks[0]->bn->bias[3].zero_();
    net->blocks[1]->bn_dw->weight[3].zero_();
    net->blocks[1]->bn_dw->bias[3].zero_();
  }
  const Split data = RandomData(96);
  const auto before = net->parameters()[0].clone();
  const auto scores = GroupImportance(*net, {.criterion = Criterion::kTaylor,
                                             .data = &data,
                                             .taylor_batches = 3,
                                             .batch_size = 32});
  EXPECT_EQ(scores[1][3].item<double>(), 0);
  EXPECT_GT(scores[1].sum().item<double>(), 0);
  // The network is left as it was: weights, gradients, mode.
  EXPECT_TRUE(torch::equal(before, net->parameters()[0]));
  EXPECT_FALSE(net->parameters()[0].grad().defined());
  EXPECT_FALSE(net->is_training());
}

TEST(GroupImportance, TaylorNeedsData) {
  Network net = SmallNetwork();
  EXPECT_THROW(GroupImportance(*net, {.criterion = Criterion::kTaylor}),
               std::invalid_argument);
  EXPECT_THROW(GroupImportance(*net, {.criterion = Criterion::kNone}),
               std::invalid_argument);
}

TEST(GroupImportance, RandomIsSeeded) {
  Network net = SmallNetwork();
  const auto a =
      GroupImportance(*net, {.criterion = Criterion::kRandom, .seed = 1});
  const auto b =
      GroupImportance(*net, {.criterion = Criterion::kRandom, .seed = 1});
  const auto c =
      GroupImportance(*net, {.criterion = Criterion::kRandom, .seed = 2});
  EXPECT_TRUE(torch::equal(a[1], b[1]));
  EXPECT_FALSE(torch::equal(a[1], c[1]));
}

TEST(TopChannels, HighestScoresInIndexOrderTiesToTheLowerIndex) {
  const auto scores = torch::tensor({0.5, 2.0, 0.5, 3.0, 0.5}, torch::kDouble);
  EXPECT_TRUE(torch::equal(TopChannels(scores, 3),
                           torch::tensor({0, 1, 3}, torch::kLong)));
  EXPECT_EQ(TopChannels(scores, 0).numel(), 1);  // Never empty.
  EXPECT_EQ(TopChannels(scores, 9).numel(), 5);
}

}  // namespace
}  // namespace nasprune::worker
