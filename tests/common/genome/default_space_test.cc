#include "common/genome/default_space.h"

#include "common/genome/cost.h"
#include "common/genome/sampler.h"
#include "gtest/gtest.h"

namespace nasprune::genome {
namespace {

TEST(DefaultSearchSpace, RgbGetsWiderStages) {
  const auto gray = DefaultSearchSpace({});
  const auto rgb =
      DefaultSearchSpace({.channels = 3, .height = 32, .width = 32});
  EXPECT_GT(rgb.stages(3).channels(2), gray.stages(3).channels(2));
}

TEST(DefaultSearchSpace, CoversSmallAndMidSizedModels) {
  // The search-quality targets need models at ≤ 5k and ≤ 25k parameters; the
  // default space must reach both and more.
  auto sampler = GenomeSampler::Create(
      {.scope = {.space = DefaultSearchSpace({}),
                 .mode = nasprune::v1::SEARCH_MODE_JOINT}});
  ASSERT_TRUE(sampler.ok());
  Rng rng(0);
  int64_t smallest = INT64_MAX, largest = 0;
  for (int i = 0; i < 3000; ++i) {
    const auto cost = ComputeGenomeCost((*sampler)->Sample(rng), {});
    ASSERT_TRUE(cost.ok());
    smallest = std::min(smallest, cost->params);
    largest = std::max(largest, cost->params);
  }
  EXPECT_LT(smallest, 5000);
  EXPECT_GT(largest, 50000);
}

}  // namespace
}  // namespace nasprune::genome
