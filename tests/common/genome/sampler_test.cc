#include "common/genome/sampler.h"

#include <set>
#include <string>

#include "common/canonical/canonical.h"
#include "common/genome/default_space.h"
#include "common/genome/hash.h"
#include "common/genome/network_plan.h"
#include "common/genome/validate.h"
#include "gtest/gtest.h"
#include "tests/common/genome/fixtures.h"

namespace nasprune::genome {
namespace {

using testing::RichGenome;

constexpr int kSeeds = 10000;

std::unique_ptr<GenomeSampler> MakeSampler(SearchScope scope) {
  auto sampler = GenomeSampler::Create({.scope = std::move(scope)});
  EXPECT_TRUE(sampler.ok()) << sampler.status();
  return sampler.ok() ? std::move(*sampler) : nullptr;
}

SearchScope JointScope() {
  return {.space = DefaultSearchSpace({}), .mode = v1::SEARCH_MODE_JOINT};
}

SearchScope ArchitectureOnlyRgbScope() {
  return {
      .space = DefaultSearchSpace({.channels = 3, .height = 32, .width = 32}),
      .mode = v1::SEARCH_MODE_ARCHITECTURE_ONLY};
}

SearchScope PruningOnlyScope() {
  return {.space = DefaultSearchSpace({}),
          .mode = v1::SEARCH_MODE_PRUNING_ONLY,
          .base_architecture = RichGenome().arch()};
}

// Corners: six stages of up to eight blocks, residual and SE forced on where
// allowed, one uniform continuous keep ratio, distillation and low rank on.
SearchScope UnusualScope() {
  SearchScope scope = JointScope();
  v1::SearchSpace& space = scope.space;
  space.clear_stages();
  for (int s = 0; s < 6; ++s) {
    v1::StageSpace* stage = space.add_stages();
    stage->add_channels(8 * (s + 1));
    stage->add_channels(8 * (s + 2));
    stage->add_downsample(v1::DOWNSAMPLE_NONE);
    stage->add_downsample(s % 2 ? v1::DOWNSAMPLE_MAX_POOL
                                : v1::DOWNSAMPLE_STRIDE2);
    stage->set_min_blocks(1);
    stage->set_max_blocks(s == 5 ? 8 : 3);
  }
  space.set_min_stages(5);
  space.set_max_stages(6);
  space.clear_residual();
  space.add_residual(true);
  space.clear_squeeze_excite();
  space.add_squeeze_excite(true);
  space.clear_kernels();
  space.add_kernels(7);
  space.add_head_hidden_units(4096);
  auto* pruning = space.mutable_pruning();
  pruning->set_uniform_keep_ratio(true);
  pruning->mutable_keep_ratio()->set_min(0.1);
  pruning->mutable_keep_ratio()->set_max(0.9);
  pruning->mutable_keep_ratio()->set_step(0);
  pruning->clear_iterative_steps();
  pruning->add_iterative_steps(2);
  pruning->add_iterative_steps(4);
  pruning->clear_distill_weights();
  pruning->add_distill_weights(0.7);
  pruning->clear_distill_temperatures();
  pruning->add_distill_temperatures(2);
  pruning->add_distill_temperatures(8);
  pruning->add_low_rank_ratios(0.5);
  pruning->add_quantize_int8(true);
  return scope;
}

struct NamedScope {
  std::string name;
  SearchScope (*make)();
  friend void PrintTo(const NamedScope& s, std::ostream* os) { *os << s.name; }
};

class SamplerProperty : public ::testing::TestWithParam<NamedScope> {};

TEST_P(SamplerProperty, SampleMutateCrossoverStayInsideTheScope) {
  const SearchScope scope = GetParam().make();
  const auto sampler = MakeSampler(scope);
  ASSERT_NE(sampler, nullptr);
  int mutations_changed = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    Rng rng(seed);
    const v1::Genome a = sampler->Sample(rng);
    ASSERT_TRUE(ValidateGenomeInScope(a, scope).ok())
        << "seed " << seed << ": " << ValidateGenomeInScope(a, scope) << "\n"
        << a.DebugString();
    const v1::Genome m = sampler->Mutate(a, rng);
    ASSERT_TRUE(ValidateGenomeInScope(m, scope).ok())
        << "seed " << seed << " mutation: " << ValidateGenomeInScope(m, scope)
        << "\nparent " << a.DebugString() << "\nchild " << m.DebugString();
    mutations_changed += GenomeHash(m) != GenomeHash(a);
    const v1::Genome b = sampler->Sample(rng);
    const v1::Genome c = sampler->Crossover(a, b, rng);
    ASSERT_TRUE(ValidateGenomeInScope(c, scope).ok())
        << "seed " << seed << " crossover: " << ValidateGenomeInScope(c, scope)
        << "\na " << a.DebugString() << "\nb " << b.DebugString() << "\nchild "
        << c.DebugString();
    // Outputs are canonical: canonicalizing again changes nothing.
    ASSERT_EQ(CanonicalText(CanonicalGenome(c)), CanonicalText(c));
  }
  EXPECT_GE(mutations_changed, kSeeds * 99 / 100);
}

INSTANTIATE_TEST_SUITE_P(Scopes, SamplerProperty,
                         ::testing::Values(NamedScope{"Joint", JointScope},
                                           NamedScope{"ArchitectureOnlyRgb",
                                                      ArchitectureOnlyRgbScope},
                                           NamedScope{"PruningOnly",
                                                      PruningOnlyScope},
                                           NamedScope{"Unusual", UnusualScope}),
                         [](const ::testing::TestParamInfo<NamedScope>& info) {
                           return info.param.name;
                         });

TEST(GenomeSampler, SameSeedSameGenome) {
  const auto sampler = MakeSampler(JointScope());
  Rng a(123), b(123);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(GenomeHash(sampler->Sample(a)), GenomeHash(sampler->Sample(b)));
  }
}

TEST(GenomeSampler, SamplesAreDiverseAndCoverEveryChoice) {
  const auto sampler = MakeSampler(JointScope());
  std::set<std::string> hashes;
  std::set<int> ops, stage_counts, criteria, kernels;
  std::set<double> ratios;
  Rng rng(9);
  for (int i = 0; i < 2000; ++i) {
    const v1::Genome g = sampler->Sample(rng);
    hashes.insert(GenomeHash(g));
    stage_counts.insert(g.arch().stages_size());
    for (const auto& stage : g.arch().stages()) {
      for (const auto& block : stage.blocks()) {
        ops.insert(block.op());
        kernels.insert(block.kernel());
      }
    }
    criteria.insert(g.pruning().criterion());
    for (const auto& [name, ratio] : g.pruning().keep_ratios()) {
      ratios.insert(ratio);
    }
  }
  EXPECT_EQ(hashes.size(), 2000u);
  EXPECT_EQ(stage_counts, (std::set<int>{2, 3, 4}));
  EXPECT_EQ(ops.size(), 3u);
  EXPECT_EQ(kernels, (std::set<int>{3, 5}));
  EXPECT_EQ(criteria.size(), 4u);
  // Grid 0.25..0.875 (1 is dropped by the canonical form): 6 values.
  EXPECT_EQ(ratios.size(), 6u);
}

TEST(GenomeSampler, PruningOnlyKeepsTheBaseArchitecture) {
  const auto sampler = MakeSampler(PruningOnlyScope());
  Rng rng(1);
  const std::string base = ArchitectureHash(RichGenome().arch());
  v1::Genome g = sampler->Sample(rng);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(ArchitectureHash(g.arch()), base);
    g = sampler->Mutate(g, rng);
  }
}

TEST(GenomeSampler, CrossoverTakesEachRatioFromAParent) {
  const auto sampler = MakeSampler(PruningOnlyScope());
  Rng rng(4);
  for (int i = 0; i < 200; ++i) {
    const v1::Genome a = sampler->Sample(rng);
    const v1::Genome b = sampler->Sample(rng);
    const v1::Genome c = sampler->Crossover(a, b, rng);
    for (const ChannelGroup& group : ChannelGroups(c.arch())) {
      auto ratio = [&](const v1::Genome& g) {
        const auto it = g.pruning().keep_ratios().find(group.name);
        return it == g.pruning().keep_ratios().end() ? 1.0 : it->second;
      };
      EXPECT_TRUE(ratio(c) == ratio(a) || ratio(c) == ratio(b)) << group.name;
    }
  }
}

TEST(GenomeSampler, MutationReturnsParentWhenTheSpaceHasOnePoint) {
  SearchScope scope = PruningOnlyScope();
  auto* pruning = scope.space.mutable_pruning();
  pruning->clear_criteria();
  pruning->add_criteria(v1::IMPORTANCE_CRITERION_L1);
  pruning->mutable_keep_ratio()->set_min(0.5);
  pruning->mutable_keep_ratio()->set_max(0.5);
  pruning->mutable_keep_ratio()->set_step(0);
  pruning->clear_iterative_steps();
  pruning->clear_finetune_epochs();
  pruning->clear_distill_weights();
  const auto sampler = MakeSampler(scope);
  ASSERT_NE(sampler, nullptr);
  Rng rng(2);
  const v1::Genome g = sampler->Sample(rng);
  EXPECT_EQ(GenomeHash(sampler->Mutate(g, rng)), GenomeHash(g));
}

TEST(GenomeSampler, CreateRejectsAnInvalidScope) {
  SearchScope scope = JointScope();
  scope.space.clear_operators();
  const auto sampler = GenomeSampler::Create({.scope = scope});
  EXPECT_EQ(sampler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(sampler.status().message().find("space.operators"),
            std::string::npos);
  SearchScope pruning_only = PruningOnlyScope();
  pruning_only.base_architecture.mutable_stem()->set_kernel(4);
  const auto sampler2 = GenomeSampler::Create({.scope = pruning_only});
  EXPECT_NE(sampler2.status().message().find("base_architecture.stem.kernel"),
            std::string::npos);
  const auto sampler3 = GenomeSampler::Create(
      {.scope = JointScope(), .max_mutation_attempts = 0});
  EXPECT_NE(sampler3.status().message().find("max_mutation_attempts"),
            std::string::npos);
}

}  // namespace
}  // namespace nasprune::genome
