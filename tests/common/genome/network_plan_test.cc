#include "common/genome/network_plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/genome/fixtures.h"

namespace nasprune::genome {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::PrunedRichGenome;
using testing::RichGenome;
using testing::TinyGenome;

const InputSpec kInput{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};

std::vector<std::string> Names(const std::vector<ChannelGroup>& groups) {
  std::vector<std::string> names;
  for (const auto& g : groups) names.push_back(g.name);
  return names;
}

const ChannelGroup& Group(const std::vector<ChannelGroup>& groups,
                          const std::string& name) {
  const auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.name == name; });
  EXPECT_NE(it, groups.end()) << name;
  return *it;
}

TEST(ChannelGroups, StemAndEveryNonResidualBlockStartAGroup) {
  EXPECT_THAT(Names(ChannelGroups(TinyGenome().arch())),
              ElementsAre("stem", "stages[0].blocks[0]"));
}

TEST(ChannelGroups, ResidualBlockJoinsTheGroupOfItsInput) {
  const auto groups = ChannelGroups(RichGenome().arch());
  EXPECT_THAT(Names(groups), ElementsAre("stem", "stages[1].blocks[0].expanded",
                                         "stages[1].blocks[0]", "head.hidden"));
  // stages[0].blocks[0] is residual: its pointwise output is the stem's space.
  EXPECT_THAT(Group(groups, "stem").members,
              Contains("stages[0].blocks[0].pw"));
  EXPECT_THAT(Group(groups, "stem").members,
              Contains("stages[0].blocks[0].residual"));
  // stages[1].blocks[1] and stages[2].blocks[0] add into stages[1].blocks[0].
  const auto& s1 = Group(groups, "stages[1].blocks[0]").members;
  EXPECT_THAT(s1, Contains("stages[1].blocks[1].project"));
  EXPECT_THAT(s1, Contains("stages[2].blocks[0].conv"));
  EXPECT_THAT(s1, Contains("stages[2].blocks[0].residual"));
}

TEST(ChannelGroups, DepthwiseFollowsTheChannelsThatFeedIt) {
  const auto groups = ChannelGroups(RichGenome().arch());
  // DS block: dw and its BN read the stem's channels.
  EXPECT_THAT(Group(groups, "stem").members,
              Contains("stages[0].blocks[0].dw"));
  EXPECT_THAT(Group(groups, "stem").members,
              Contains("stages[0].blocks[0].bn_dw"));
  // MBConv with expansion 1: no expand layer, dw on the input channels.
  EXPECT_THAT(Group(groups, "stages[1].blocks[0]").members,
              Contains("stages[1].blocks[1].dw"));
}

TEST(ChannelGroups, ExpandedMbconvChannelsAreTheirOwnGroup) {
  const auto groups = ChannelGroups(RichGenome().arch());
  const auto& expanded = Group(groups, "stages[1].blocks[0].expanded");
  EXPECT_EQ(expanded.channels, 32);  // 16 inputs × expansion 2.
  EXPECT_THAT(
      expanded.members,
      ElementsAre("stages[1].blocks[0].expand", "stages[1].blocks[0].bn_expand",
                  "stages[1].blocks[0].dw", "stages[1].blocks[0].bn_dw",
                  "stages[1].blocks[0].project.in", "stages[1].blocks[0].se"));
}

TEST(ChannelGroups, SqueezeExciteFollowsItsBlockChannels) {
  const auto groups = ChannelGroups(RichGenome().arch());
  // CONV block: SE on the block output.
  EXPECT_THAT(Group(groups, "stages[1].blocks[0]").members,
              Contains("stages[2].blocks[0].se"));
}

TEST(ChannelGroups, ClassifierInputFollowsTheLastGroup) {
  const auto tiny = ChannelGroups(TinyGenome().arch());
  EXPECT_THAT(Group(tiny, "stages[0].blocks[0]").members,
              Contains("head.classifier.in"));
  const auto rich = ChannelGroups(RichGenome().arch());
  EXPECT_THAT(Group(rich, "stages[1].blocks[0]").members,
              Contains("head.hidden.in"));
  EXPECT_THAT(Group(rich, "head.hidden").members,
              ElementsAre("head.hidden.out", "head.classifier.in"));
}

TEST(KeptChannels, RoundsAndNeverEmptiesAGroup) {
  EXPECT_EQ(KeptChannels(16, 0.5), 8);
  EXPECT_EQ(KeptChannels(10, 0.25), 3);  // 2.5 rounds away from zero.
  EXPECT_EQ(KeptChannels(3, 0.1), 1);    // 0.3 → at least one channel.
  EXPECT_EQ(KeptChannels(7, 1.0), 7);
}

TEST(ResidualAllowed, NeedsStrideOneAndEqualChannels) {
  const v1::Genome rich = RichGenome();
  const auto& arch = rich.arch();
  EXPECT_TRUE(ResidualAllowed(arch, 0, 0));   // 16 → 16, stride 1.
  EXPECT_FALSE(ResidualAllowed(arch, 1, 0));  // Stride 2 and 16 → 32.
  EXPECT_TRUE(ResidualAllowed(arch, 1, 1));
  EXPECT_TRUE(ResidualAllowed(arch, 2, 0));  // Max pool keeps channels.
  EXPECT_FALSE(ResidualAllowed(TinyGenome().arch(), 0, 0));  // 8 → 16.
}

TEST(LowRankRank, FactorizesOnlyWhenItSaves) {
  EXPECT_EQ(LowRankRank(32, 64, 0.25), 8);
  EXPECT_EQ(LowRankRank(64, 10, 0.25), 3);
  EXPECT_EQ(LowRankRank(4, 4, 1.0), 0);  // 4·8 ≥ 16: no saving.
  EXPECT_EQ(LowRankRank(32, 64, 0.0), 0);
}

TEST(BuildNetworkPlan, SpatialSizesHalveWithCeiling) {
  const auto plan = BuildNetworkPlan(
      RichGenome(),
      {.channels = 1, .height = 27, .width = 5, .num_classes = 10});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->blocks.size(), 4u);
  EXPECT_EQ(plan->blocks[0].out_height, 27);
  EXPECT_EQ(plan->blocks[1].stride, 2);
  EXPECT_EQ(plan->blocks[1].out_height, 14);
  EXPECT_EQ(plan->blocks[1].out_width, 3);
  EXPECT_TRUE(plan->blocks[3].max_pool_before);
  EXPECT_EQ(plan->blocks[3].in_height, 7);
  EXPECT_EQ(plan->blocks[3].in_width, 2);
}

TEST(BuildNetworkPlan, NeverReachesZeroSize) {
  v1::Genome genome = TinyGenome();
  for (int i = 0; i < 5; ++i) {
    *genome.mutable_arch()->add_stages() = genome.arch().stages(0);
    genome.mutable_arch()->mutable_stages(i + 1)->set_downsample(
        v1::DOWNSAMPLE_MAX_POOL);
  }
  const auto plan = BuildNetworkPlan(
      genome, {.channels = 1, .height = 1, .width = 1, .num_classes = 2});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->blocks.back().out_height, 1);
}

TEST(BuildNetworkPlan, PrunedChannelCounts) {
  const auto plan = BuildNetworkPlan(PrunedRichGenome(), kInput);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->stem.out_channels, 8);
  EXPECT_EQ(plan->blocks[0].in_channels, 8);
  EXPECT_EQ(plan->blocks[0].out_channels, 8);
  EXPECT_EQ(plan->blocks[1].mid_channels, 16);
  EXPECT_TRUE(plan->blocks[1].has_expand);
  EXPECT_EQ(plan->blocks[1].se.channels, 16);
  EXPECT_EQ(plan->blocks[1].se.hidden, 8);  // From the unpruned 32.
  EXPECT_EQ(plan->blocks[1].out_channels, 24);
  EXPECT_FALSE(plan->blocks[2].has_expand);
  EXPECT_EQ(plan->blocks[2].mid_channels, 24);
  EXPECT_EQ(plan->blocks[3].out_channels, 24);
  EXPECT_EQ(plan->head.in_channels, 24);
  EXPECT_EQ(plan->head.hidden.out, 16);
  EXPECT_EQ(plan->head.classifier.in, 16);
  EXPECT_EQ(plan->head.classifier.out, 10);
}

TEST(BuildNetworkPlan, UnlistedGroupsKeepEveryChannel) {
  v1::Genome genome = RichGenome();
  genome.mutable_pruning()->set_criterion(v1::IMPORTANCE_CRITERION_L2);
  (*genome.mutable_pruning()->mutable_keep_ratios())["head.hidden"] = 0.5;
  const auto plan = BuildNetworkPlan(genome, kInput);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->stem.out_channels, 16);
  EXPECT_EQ(plan->head.hidden.out, 32);
}

}  // namespace
}  // namespace nasprune::genome
