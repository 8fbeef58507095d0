#include "worker/model/inherit.h"

#include <sstream>

#include "common/genome/network_plan.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/networks.h"
#include "worker/export/torchscript.h"

namespace nasprune::worker {
namespace {

using testing::kGray;
using testing::SeededNetwork;

// The final (pruned) plan of a genome, as a kept model has it.
genome::NetworkPlan PlanOf(const std::string& yaml) {
  auto plan = genome::BuildNetworkPlan(testing::ParsedGenome(yaml), kGray);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

std::string Archive(NetworkImpl& network) {
  std::ostringstream out;
  ExportTorchScript(network).save(out);
  return out.str();
}

// Eval-mode outputs of both networks on the same random batch.
double MaxDifference(NetworkImpl& a, NetworkImpl& b) {
  torch::NoGradGuard no_grad;
  a.eval();
  b.eval();
  torch::manual_seed(99);
  const torch::Tensor x = torch::randn({8, 1, 28, 28});
  return (a.forward(x) - b.forward(x)).abs().max().item<double>();
}

constexpr char kParent[] = R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - channels: 16
      downsample: max_pool
      blocks:
        - {op: conv, kernel: 3, activation: relu, squeeze_excite: true}
    - channels: 24
      downsample: stride2
      blocks:
        - {op: mbconv, kernel: 3, expansion: 2, activation: silu}
  head: {hidden_units: 16, activation: relu}
pruning: {criterion: l1, keep_ratios: {stem: 0.5, "stages[0].blocks[0]": 0.5}}
)";

// Wider everywhere, larger kernels, more expansion, a new residual block in
// the first stage (which moves the second stage's block from blocks.1 to
// blocks.2) and a wider hidden layer.
constexpr char kGrownChild[] = R"(
arch:
  stem: {channels: 8, kernel: 5, activation: relu}
  stages:
    - channels: 20
      downsample: max_pool
      blocks:
        - {op: conv, kernel: 3, activation: relu, squeeze_excite: true}
        - {op: depthwise_separable, kernel: 3, activation: relu, residual: true}
    - channels: 32
      downsample: stride2
      blocks:
        - {op: mbconv, kernel: 5, expansion: 3, activation: silu}
  head: {hidden_units: 24, activation: relu}
)";

TEST(InheritWeights, TheSameArchitectureIsCopiedWhole) {
  const genome::NetworkPlan plan = PlanOf(kGrownChild);
  Network parent = SeededNetwork(plan, 1);
  Network child = SeededNetwork(plan, 2);
  ASSERT_GT(MaxDifference(*parent, *child), 1e-3);
  const InheritStats stats = InheritWeights(Archive(*parent), plan, *child);
  EXPECT_EQ(stats.inherited, stats.total);
  EXPECT_DOUBLE_EQ(stats.fraction(), 1.0);
  EXPECT_LT(MaxDifference(*parent, *child), 1e-5);
}

TEST(InheritWeights, AGrownChildComputesWhatItsPrunedParentDid) {
  const genome::NetworkPlan parent_plan = PlanOf(kParent);
  ASSERT_TRUE(genome::PlanPrunes(parent_plan));
  // The kept model: the pruned network, dense at its kept widths.
  Network parent =
      SeededNetwork(genome::WithKeptChannels(genome::UnprunedPlan(parent_plan),
                                             genome::KeptPerGroup(parent_plan)),
                    3);
  Network child = SeededNetwork(genome::UnprunedPlan(PlanOf(kGrownChild)), 4);
  const InheritStats stats =
      InheritWeights(Archive(*parent), parent_plan, *child);
  EXPECT_GT(stats.fraction(), 0.05);
  EXPECT_LT(stats.fraction(), 1.0);
  EXPECT_LT(MaxDifference(*parent, *child), 1e-4);

  // The new channels still learn: their own filters are not zero.
  EXPECT_GT(child->blocks[0]
                ->conv->weight.narrow(0, 16, 4)
                .abs()
                .sum()
                .item<double>(),
            0);
  // Training mode runs forward and backward.
  child->train();
  child->forward(torch::randn({4, 1, 28, 28})).sum().backward();
}

TEST(InheritWeights, AFactorizedHeadBecomesItsDenseProduct) {
  const std::string yaml = R"(
arch:
  stem: {channels: 8, kernel: 3, activation: relu}
  stages:
    - channels: 16
      downsample: max_pool
      blocks: [{op: conv, kernel: 3, activation: relu}]
  head: {hidden_units: 32, activation: relu}
pruning: {criterion: l1, low_rank: {rank_ratio: 0.25}}
)";
  const genome::NetworkPlan factorized = PlanOf(yaml);
  ASSERT_GT(factorized.head.hidden.rank, 0);
  Network parent = SeededNetwork(factorized, 5);
  Network child = SeededNetwork(genome::UnprunedPlan(factorized), 6);
  const InheritStats stats =
      InheritWeights(Archive(*parent), factorized, *child);
  EXPECT_DOUBLE_EQ(stats.fraction(), 1.0);
  EXPECT_LT(MaxDifference(*parent, *child), 1e-4);
}

TEST(InheritWeights, AShrunkChildTakesTheOverlapAndAChangedOperatorNothing) {
  const genome::NetworkPlan parent_plan = PlanOf(kGrownChild);
  const genome::NetworkPlan child_plan = PlanOf(R"(
arch:
  stem: {channels: 6, kernel: 3, activation: relu}
  stages:
    - channels: 12
      downsample: max_pool
      blocks:
        - {op: conv, kernel: 3, activation: relu, squeeze_excite: true}
        - {op: mbconv, kernel: 3, expansion: 2, activation: relu, residual: true}
    - channels: 32
      downsample: stride2
      blocks:
        - {op: mbconv, kernel: 5, expansion: 3, activation: silu}
  head: {hidden_units: 24, activation: relu}
)");
  Network parent = SeededNetwork(parent_plan, 7);
  Network child = SeededNetwork(child_plan, 8);
  Network fresh = SeededNetwork(child_plan, 8);
  const InheritStats stats =
      InheritWeights(Archive(*parent), parent_plan, *child);
  EXPECT_GT(stats.fraction(), 0.3);
  EXPECT_LT(stats.fraction(), 1.0);
  // The stem's 6 filters are the centre-aligned first 6 of the parent's 8
  // (both 3×3 after the parent's 5×5 is cropped to its centre).
  EXPECT_TRUE(torch::equal(
      child->stem_conv->weight,
      parent->stem_conv->weight.narrow(0, 0, 6).narrow(2, 1, 3).narrow(3, 1,
                                                                       3)));
  // Block 1 changed operator (DS → MBConv): it keeps its own
  // initialization; block 2 matched by stage and position (its expansion
  // is narrower: 12 × 3 inputs to the projection against 20 × 3).
  EXPECT_TRUE(torch::equal(child->blocks[1]->project->weight,
                           fresh->blocks[1]->project->weight));
  const torch::Tensor& project = child->blocks[2]->project->weight;
  EXPECT_TRUE(torch::equal(project, parent->blocks[2]->project->weight.narrow(
                                        1, 0, project.size(1))));
  child->train();
  child->forward(torch::randn({2, 1, 28, 28})).sum().backward();
}

TEST(InheritWeights, ADamagedArchiveIsAnError) {
  const genome::NetworkPlan plan = PlanOf(kGrownChild);
  Network child = SeededNetwork(plan, 9);
  EXPECT_THROW(InheritWeights("not an archive", plan, *child), c10::Error);
}

}  // namespace
}  // namespace nasprune::worker
