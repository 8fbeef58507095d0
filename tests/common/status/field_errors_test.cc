#include "common/status/field_errors.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace nasprune {
namespace {

TEST(FieldErrors, EmptyIsOk) {
  FieldErrors errors;
  EXPECT_TRUE(errors.ok());
  EXPECT_TRUE(errors.ToStatus().ok());
}

TEST(FieldErrors, JoinsEveryErrorWithItsPath) {
  FieldErrors errors;
  errors.Add("a.b", "first");
  errors.Add("c[1]", "second");
  const absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "a.b: first; c[1]: second");
}

TEST(FieldErrors, IntRangeNamesValueAndBounds) {
  FieldErrors errors;
  EXPECT_TRUE(errors.CheckRange("x", 5, 1, 5));
  EXPECT_FALSE(errors.CheckRange("x", 9, 1, 5));
  EXPECT_EQ(errors.ToStatus().message(), "x: 9 is outside [1, 5]");
}

TEST(FieldErrors, RealRangeRejectsNanAndInfinity) {
  FieldErrors errors;
  EXPECT_FALSE(errors.CheckRealRange(
      "x", std::numeric_limits<double>::quiet_NaN(), 0, 1));
  EXPECT_FALSE(errors.CheckRealRange(
      "y", std::numeric_limits<double>::infinity(), 0, 1));
  EXPECT_FALSE(errors.CheckRealRange("z", 1.5, 0, 1));
  EXPECT_EQ(errors.ToStatus().message(),
            "x: nan is not a finite number; y: inf is not a finite number; "
            "z: 1.5 is outside [0, 1]");
}

TEST(FieldErrors, CountNamesSizeAndAllowedRange) {
  FieldErrors errors;
  EXPECT_TRUE(errors.CheckCount("stages", 1, 1, 6));
  EXPECT_TRUE(errors.CheckCount("stages", 6, 1, 6));
  EXPECT_FALSE(errors.CheckCount("stages", 0, 1, 6));
  EXPECT_FALSE(errors.CheckCount("blocks", 9, 1, 8));
  EXPECT_EQ(errors.ToStatus().message(),
            "stages: has 0 entries; allowed [1, 6]; "
            "blocks: has 9 entries; allowed [1, 8]");
}

TEST(FieldErrors, OutsideTakesFormattedValueAndRange) {
  FieldErrors errors;
  errors.AddOutside("r", "0.3 (not listed)", "[0.5, 1] in steps of 0.1");
  EXPECT_EQ(errors.ToStatus().message(),
            "r: 0.3 (not listed) is outside [0.5, 1] in steps of 0.1");
}

TEST(FieldPaths, Compose) {
  EXPECT_EQ(FieldPath("", "arch"), "arch");
  EXPECT_EQ(IndexPath(FieldPath("arch", "stages"), 2), "arch.stages[2]");
  EXPECT_EQ(KeyPath("keep_ratios", "stem"), "keep_ratios[\"stem\"]");
}

TEST(FormatDouble, ShortestRoundTrip) {
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(-0.0), "0");
  EXPECT_EQ(FormatDouble(1e-5), "1e-05");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
}

}  // namespace
}  // namespace nasprune
