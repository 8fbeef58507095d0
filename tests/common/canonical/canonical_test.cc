#include "common/canonical/canonical.h"

#include "gtest/gtest.h"
#include "nasprune/v1/genome.pb.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune {
namespace {

TEST(CanonicalText, FieldNumberOrderAndDefaultsLeftOut) {
  v1::Stem stem;
  stem.set_activation(v1::ACTIVATION_RELU);
  stem.set_channels(16);
  EXPECT_EQ(CanonicalText(stem), "{channels=16;activation=ACTIVATION_RELU;}");
}

TEST(CanonicalText, EmptyAndUnsetSubMessagesAreEqual) {
  v1::ArchitectureGenome unset, empty;
  empty.mutable_head();
  EXPECT_EQ(CanonicalText(unset), CanonicalText(empty));
  EXPECT_EQ(CanonicalText(unset), "{}");
}

TEST(CanonicalText, MapOrderDoesNotMatter) {
  v1::PruningGenome a, b;
  (*a.mutable_keep_ratios())["stem"] = 0.5;
  (*a.mutable_keep_ratios())["head.hidden"] = 0.25;
  (*b.mutable_keep_ratios())["head.hidden"] = 0.25;
  (*b.mutable_keep_ratios())["stem"] = 0.5;
  EXPECT_EQ(CanonicalText(a), CanonicalText(b));
  EXPECT_EQ(CanonicalText(a),
            "{keep_ratios=[\"head.hidden\":0.25,\"stem\":0.5,];}");
}

TEST(CanonicalText, RepeatedOrderMatters) {
  v1::SearchSpace a, b;
  a.add_kernels(3);
  a.add_kernels(5);
  b.add_kernels(5);
  b.add_kernels(3);
  EXPECT_NE(CanonicalText(a), CanonicalText(b));
}

TEST(CanonicalText, ExplicitOptionalZeroDiffersFromUnset) {
  v1::TrainingRecipe unset, zero;
  zero.set_momentum(0);
  EXPECT_NE(CanonicalText(unset), CanonicalText(zero));
}

TEST(CanonicalText, NegativeZeroIsZero) {
  v1::Head a, b;
  a.set_dropout(-0.0);
  EXPECT_EQ(CanonicalText(a), CanonicalText(b));
}

TEST(CanonicalText, StringsAreEscaped) {
  v1::DatasetSpec spec;
  spec.set_name("a\"b\n");
  EXPECT_EQ(CanonicalText(spec), "{name=\"a\\\"b\\n\";}");
}

TEST(Hash128Hex, GoldenValueAndDomainSeparation) {
  // SHA-256 of "d\0x", truncated to 128 bits.
  EXPECT_EQ(Hash128Hex("d", "x"), "ba91ca008f20fde6bcabba8b62f7ec58");
  EXPECT_EQ(Hash128Hex("d", "x").size(), 32u);
  EXPECT_NE(Hash128Hex("d", "x"), Hash128Hex("e", "x"));
  EXPECT_NE(Hash128Hex("d", "x"), Hash128Hex("dx", ""));
}

}  // namespace
}  // namespace nasprune
