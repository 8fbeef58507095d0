#include "controller/search/decisions.h"

#include "common/genome/hash.h"
#include "common/genome/validate.h"
#include "common/jobspec/yaml_proto.h"
#include "common/random/rng.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

using ::google::protobuf::util::MessageDifferencer;

std::vector<int> RandomActions(const DecisionSpace& space, Rng& rng) {
  std::vector<int> actions;
  for (const Decision& d : space.decisions()) {
    actions.push_back(static_cast<int>(rng.Uniform(d.choices)));
  }
  return actions;
}

DecisionSpace Make(genome::SearchScope scope) {
  auto space = DecisionSpace::Create(std::move(scope));
  EXPECT_TRUE(space.ok()) << space.status();
  return *std::move(space);
}

TEST(DecisionSpace, CoversTheLargestGenomeInNetworkOrder) {
  const DecisionSpace space = Make(testing::JointScope());
  const auto& d = space.decisions();
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d.front().name, "stem.channels");
  EXPECT_EQ(d.front().choices, 4);
  // The default space: stem (2 decisions; one kernel), stage count, 4 stages
  // × (channels, downsample where > 1 option, blocks) with 2+3+3+2 blocks of
  // 6 decisions, head (3); pruning: criterion, 10 + 10 expanded + stem +
  // hidden keep ratios, steps, epochs, distill weight.
  int blocks = 0;
  for (const Decision& x : d) {
    if (x.name.ends_with(".op")) ++blocks;
    EXPECT_GE(x.choices, 2) << x.name;
  }
  EXPECT_EQ(blocks, 10);
  // Architecture: stem 2, stage count 1, stages 14 + 21 + 21 + 15, head 3;
  // pruning: criterion 1, 22 keep ratios, steps, epochs, distill weight.
  EXPECT_EQ(d.size(), 77u + 26u);
  EXPECT_EQ(d.back().name, "pruning.distill_weight");
}

TEST(DecisionSpace, EveryDecodedGenomeIsCanonicalAndInScope) {
  const genome::SearchScope scope = testing::JointScope();
  const DecisionSpace space = Make(scope);
  Rng rng(1);
  for (int i = 0; i < 2000; ++i) {
    const v1::Genome g = space.Decode(RandomActions(space, rng));
    ASSERT_TRUE(genome::ValidateGenomeInScope(g, scope).ok())
        << genome::ValidateGenomeInScope(g, scope);
    ASSERT_TRUE(MessageDifferencer::Equals(g, genome::CanonicalGenome(g)));
  }
}

// A decision is used exactly when changing it changes the genome.
TEST(DecisionSpace, UsedDecisionsAreExactlyThoseThatMatter) {
  const DecisionSpace space = Make(testing::JointScope());
  Rng rng(2);
  int used_count = 0, unused_count = 0;
  for (int i = 0; i < 100; ++i) {
    std::vector<int> actions = RandomActions(space, rng);
    const std::string hash = genome::GenomeHash(space.Decode(actions));
    const std::vector<bool> used = space.Used(actions);
    ASSERT_EQ(used.size(), space.decisions().size());
    for (size_t d = 0; d < used.size(); ++d) {
      std::vector<int> changed = actions;
      changed[d] = (actions[d] + 1) % space.decisions()[d].choices;
      const bool differs = genome::GenomeHash(space.Decode(changed)) != hash;
      EXPECT_EQ(differs, used[d]) << space.decisions()[d].name;
      (used[d] ? used_count : unused_count)++;
    }
  }
  EXPECT_GT(used_count, 0);
  EXPECT_GT(unused_count, 0);
}

TEST(DecisionSpace, PruningOnlyDecidesOnlyPruningGenes) {
  genome::SearchScope scope = testing::JointScope();
  scope.mode = v1::SEARCH_MODE_PRUNING_ONLY;
  v1::Genome base;
  ASSERT_TRUE(LoadYamlFile("examples/genomes/two-conv.yaml", &base).ok());
  scope.base_architecture = base.arch();
  const DecisionSpace space = Make(scope);
  for (const Decision& d : space.decisions()) {
    EXPECT_TRUE(d.name.starts_with("pruning.")) << d.name;
  }
  Rng rng(3);
  for (int i = 0; i < 50; ++i) {
    const v1::Genome g = space.Decode(RandomActions(space, rng));
    EXPECT_TRUE(MessageDifferencer::Equals(
        g.arch(), genome::CanonicalArchitecture(base.arch())));
    EXPECT_TRUE(genome::ValidateGenomeInScope(g, scope).ok());
  }
}

TEST(DecisionSpace, ArchitectureOnlyHasNoPruningDecisions) {
  genome::SearchScope scope = testing::JointScope();
  scope.mode = v1::SEARCH_MODE_ARCHITECTURE_ONLY;
  const DecisionSpace space = Make(scope);
  for (const Decision& d : space.decisions()) {
    EXPECT_FALSE(d.name.starts_with("pruning.")) << d.name;
  }
  Rng rng(4);
  const v1::Genome g = space.Decode(RandomActions(space, rng));
  EXPECT_TRUE(g.pruning().keep_ratios().empty());
  EXPECT_TRUE(genome::ValidateGenomeInScope(g, scope).ok());
}

TEST(DecisionSpace,
     UniformKeepRatioIsOneDecisionAndRangesWithoutStepGetLevels) {
  genome::SearchScope scope = testing::JointScope();
  scope.space.mutable_pruning()->set_uniform_keep_ratio(true);
  scope.space.mutable_pruning()->mutable_keep_ratio()->set_step(0);
  const DecisionSpace space = Make(scope);
  int ratios = 0;
  for (const Decision& d : space.decisions()) {
    if (d.name.starts_with("pruning.keep_ratio")) {
      ++ratios;
      EXPECT_EQ(d.choices, 9);
    }
  }
  EXPECT_EQ(ratios, 1);
  Rng rng(5);
  const v1::Genome g = space.Decode(RandomActions(space, rng));
  EXPECT_TRUE(genome::ValidateGenomeInScope(g, scope).ok());
}

TEST(DecisionSpace, BadScopeIsInvalidArgument) {
  genome::SearchScope scope = testing::JointScope();
  scope.space.clear_stem_channels();
  const auto space = DecisionSpace::Create(scope);
  EXPECT_EQ(space.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(space.status().message().find("space.stem_channels"),
            std::string::npos);
}

}  // namespace
}  // namespace nasprune::controller
