#include "common/genome/cost.h"

#include "gtest/gtest.h"
#include "tests/common/genome/fixtures.h"

namespace nasprune::genome {
namespace {

using testing::PrunedRichGenome;
using testing::RichGenome;
using testing::TinyGenome;

const InputSpec kFashionMnist{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};

TEST(ComputeGenomeCost, TinyGenomeByHand) {
  // stem conv 1→8 k3: 72 weights × 784 positions; BN 16.
  // conv 8→16 k3: 1152 weights × 784; BN 32. classifier 16·10 + 10.
  const auto cost = ComputeGenomeCost(TinyGenome(), kFashionMnist);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_EQ(cost->params, 72 + 16 + 1152 + 32 + 170);
  EXPECT_EQ(cost->macs, 72 * 784 + 1152 * 784 + 160);
  EXPECT_TRUE(cost->exact);
}

TEST(ComputeGenomeCost, RichGenomeByHand) {
  // Worked out layer by layer in docs/genome.md ("A worked example").
  const auto cost = ComputeGenomeCost(RichGenome(), kFashionMnist);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_EQ(cost->params, 17754);
  EXPECT_EQ(cost->macs, 1897856);
}

TEST(ComputeGenomeCost, PrunedRichGenomeByHand) {
  // stem 16→8, expanded 32→16, stage-1 space 32→24, hidden 64→16; SE hidden
  // widths stay those of the unpruned network (8).
  const auto cost = ComputeGenomeCost(PrunedRichGenome(), kFashionMnist);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_EQ(cost->params, 8794);
  EXPECT_EQ(cost->macs, 852608);
}

TEST(ComputeGenomeCost, LayerBreakdownSumsToTotal) {
  const auto cost = ComputeGenomeCost(PrunedRichGenome(), kFashionMnist);
  ASSERT_TRUE(cost.ok());
  int64_t params = 0, macs = 0;
  for (const LayerCost& layer : cost->layers) {
    params += layer.params;
    macs += layer.macs;
  }
  EXPECT_EQ(params, cost->params);
  EXPECT_EQ(macs, cost->macs);
  ASSERT_FALSE(cost->layers.empty());
  EXPECT_EQ(cost->layers.front().name, "stem.conv");
  EXPECT_EQ(cost->layers.back().name, "head.classifier");
}

TEST(ComputeGenomeCost, LowRankFactorizesHeadLayers) {
  v1::Genome genome = RichGenome();
  genome.mutable_pruning()->mutable_low_rank()->set_rank_ratio(0.25);
  const auto dense = ComputeGenomeCost(RichGenome(), kFashionMnist);
  const auto cost = ComputeGenomeCost(genome, kFashionMnist);
  ASSERT_TRUE(cost.ok()) << cost.status();
  // hidden 32→64: rank 8 → 32·8 + (8·64 + 64) instead of 32·64 + 64.
  // classifier 64→10: rank round(2.5) = 3 → 64·3 + (3·10 + 10) instead of 650.
  EXPECT_EQ(dense->params - cost->params,
            (2112 - 256 - 576) + (650 - 192 - 40));
  EXPECT_EQ(dense->macs - cost->macs, (2048 - 256 - 512) + (640 - 192 - 30));
}

TEST(ComputeGenomeCost, EnergyLowRankIsMarkedInexact) {
  v1::Genome genome = RichGenome();
  genome.mutable_pruning()->mutable_low_rank()->set_energy(0.9);
  const auto cost = ComputeGenomeCost(genome, kFashionMnist);
  ASSERT_TRUE(cost.ok());
  EXPECT_FALSE(cost->exact);
  EXPECT_EQ(cost->params, 17754);
}

TEST(ComputeGenomeCost, RgbInputChangesOnlyTheStemAndSpatialSizes) {
  const auto gray = ComputeGenomeCost(TinyGenome(), kFashionMnist);
  const auto rgb = ComputeGenomeCost(
      TinyGenome(),
      {.channels = 3, .height = 32, .width = 32, .num_classes = 10});
  ASSERT_TRUE(gray.ok() && rgb.ok());
  EXPECT_EQ(rgb->params - gray->params, 2 * 72);
  EXPECT_EQ(rgb->macs, 216 * 1024 + 1152 * 1024 + 160);
}

TEST(ComputeGenomeCost, InvalidGenomeIsRejected) {
  v1::Genome genome = TinyGenome();
  genome.mutable_arch()->mutable_stem()->set_kernel(4);
  const auto cost = ComputeGenomeCost(genome, kFashionMnist);
  EXPECT_EQ(cost.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      cost.status().message().find("arch.stem.kernel: 4 not in {3, 5, 7}"),
      std::string::npos)
      << cost.status();
}

TEST(ComputeGenomeCost, InvalidInputIsRejected) {
  const auto cost = ComputeGenomeCost(
      TinyGenome(),
      {.channels = 0, .height = 28, .width = 28, .num_classes = 1});
  EXPECT_EQ(cost.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cost.status().message().find("input.channels"), std::string::npos);
  EXPECT_NE(cost.status().message().find("input.num_classes"),
            std::string::npos);
}

}  // namespace
}  // namespace nasprune::genome
