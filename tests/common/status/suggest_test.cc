#include "common/status/suggest.h"

#include "gtest/gtest.h"

namespace nasprune {
namespace {

const std::vector<std::string> kMetrics = {"accuracy", "params", "macs",
                                           "latency_ms", "model_bytes"};

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("acuracy", "accuracy"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("nmae", "name"), 1u);  // A swap.
}

TEST(ClosestMatch, OtherCaseAPrefixOrAFewEdits) {
  EXPECT_EQ(ClosestMatch("acuracy", kMetrics), "accuracy");
  EXPECT_EQ(ClosestMatch("latency", kMetrics), "latency_ms");
  EXPECT_EQ(ClosestMatch("PARAMS", kMetrics), "params");
  EXPECT_EQ(ClosestMatch("Fashion-MNIST", {"fashion-mnist", "mnist"}),
            "fashion-mnist");
  EXPECT_EQ(ClosestMatch("mac", kMetrics), "macs");
  EXPECT_EQ(ClosestMatch("parmas", kMetrics), "params");
}

TEST(ClosestMatch, NothingWhenNoChoiceIsClose) {
  EXPECT_EQ(ClosestMatch("throughput", kMetrics), "");
  EXPECT_EQ(ClosestMatch("", kMetrics), "");
  EXPECT_EQ(ClosestMatch("la", kMetrics), "");  // Too short for a prefix.
  EXPECT_EQ(ClosestMatch("x", {}), "");
}

TEST(DidYouMean, FormsTheSuffix) {
  EXPECT_EQ(DidYouMean("acuracy", kMetrics), "; did you mean \"accuracy\"?");
  EXPECT_EQ(DidYouMean("zzz", kMetrics), "");
}

}  // namespace
}  // namespace nasprune
