#include "controller/search/nsga2.h"

#include <algorithm>
#include <set>

#include "common/genome/cost.h"
#include "controller/search/reward.h"
#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

using testing::kGray;
using testing::MadeUp;

Nsga2::Options TwoObjectives(uint64_t seed, int population) {
  return {.scope = testing::JointScope(),
          .input = kGray,
          .objectives = {testing::Objective(v1::METRIC_ACCURACY),
                         testing::Objective(v1::METRIC_PARAMS)},
          .seed = seed,
          .population_size = population};
}

std::unique_ptr<Nsga2> Make(Nsga2::Options options) {
  auto strategy = Nsga2::Create(std::move(options));
  EXPECT_TRUE(strategy.ok()) << strategy.status();
  return *std::move(strategy);
}

std::vector<v1::SearchMember> Observed(
    const google::protobuf::RepeatedPtrField<v1::SearchMember>& members) {
  std::vector<v1::SearchMember> out;
  for (const auto& m : members) {
    if (m.observed()) out.push_back(m);
  }
  return out;
}

std::set<std::string> HashesOf(const std::vector<v1::SearchMember>& members) {
  std::set<std::string> hashes;
  for (const auto& m : members) hashes.insert(m.genome_hash());
  return hashes;
}

TEST(Nsga2, FirstGenerationIsThePopulationThenSelectionKeepsTheFirstFronts) {
  auto strategy = Make(TwoObjectives(1, 8));
  const std::vector<Proposal> first = strategy->Propose(8);
  ASSERT_EQ(first.size(), 8u);
  for (const Proposal& p : first) strategy->Observe(MadeUp(p));
  v1::StrategyState state = strategy->Save();
  ASSERT_EQ(Observed(state.population()).size(), 8u);
  EXPECT_EQ(state.offspring_size(), 0);

  // Seven children gather as offspring; the eighth triggers selection.
  const std::vector<Proposal> children = strategy->Propose(8);
  ASSERT_EQ(children.size(), 8u);
  std::vector<v1::SearchMember> all = Observed(state.population());
  for (int i = 0; i < 7; ++i) strategy->Observe(MadeUp(children[i]));
  EXPECT_EQ(strategy->Save().offspring_size(), 7);
  strategy->Observe(MadeUp(children[7]));
  state = strategy->Save();
  EXPECT_EQ(state.offspring_size(), 0);
  const std::vector<v1::SearchMember> survivors = Observed(state.population());
  ASSERT_EQ(survivors.size(), 8u);

  // Every member of the union's first front survives, and no survivor is
  // dominated by a member that died.
  for (const Proposal& c : children) {
    v1::SearchMember m;
    m.set_genome_hash(c.genome_hash);
    for (double v :
         ObjectiveVector(TwoObjectives(1, 8).objectives, MadeUp(c).result)) {
      m.add_objectives(v);
    }
    all.push_back(m);
  }
  const RankedPopulation ranked = RankMembers(all);
  const std::set<std::string> kept = HashesOf(survivors);
  int worst_kept_rank = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (kept.contains(all[i].genome_hash())) {
      worst_kept_rank = std::max(worst_kept_rank, ranked.rank[i]);
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    if (!kept.contains(all[i].genome_hash())) {
      EXPECT_GE(ranked.rank[i], worst_kept_rank) << all[i].genome_hash();
    }
    if (ranked.rank[i] == 0 && worst_kept_rank > 0) {
      EXPECT_TRUE(kept.contains(all[i].genome_hash()));
    }
  }
}

TEST(Nsga2, MeasuredConstraintBreakersLoseToFeasibleMembers) {
  Nsga2::Options options = TwoObjectives(2, 4);
  options.constraints.set_max_latency_ms(1.0);
  auto strategy = Make(options);
  const std::vector<Proposal> p = strategy->Propose(8);
  ASSERT_EQ(p.size(), 8u);
  // The first four are fast; the last four are slow but far more accurate.
  std::set<std::string> feasible;
  for (int i = 0; i < 8; ++i) {
    Observation o = MadeUp(p[i]);
    o.result.mutable_latency()->set_batch1_ms(i < 4 ? 0.5 : 3.0);
    if (i >= 4) o.result.set_val_accuracy(0.99);
    if (i < 4) feasible.insert(p[i].genome_hash);
    strategy->Observe(o);
  }
  // Selection of 4 from 8 happened at the 8th observation.
  EXPECT_EQ(HashesOf(Observed(strategy->Save().population())), feasible);
}

TEST(Nsga2, ALaterResultReplacesAMembersObjectives) {
  auto strategy = Make(TwoObjectives(8, 4));
  const std::vector<Proposal> p = strategy->Propose(4);
  for (const Proposal& q : p) strategy->Observe(MadeUp(q));
  Observation better = MadeUp(p[2]);
  better.result.set_val_accuracy(0.99);
  strategy->Observe(better);
  bool found = false;
  const v1::StrategyState state = strategy->Save();
  for (const auto& m : state.population()) {
    if (m.genome_hash() != p[2].genome_hash) continue;
    found = true;
    EXPECT_DOUBLE_EQ(m.objectives(0), -0.99);
  }
  EXPECT_TRUE(found);
}

TEST(Nsga2, ChildrenStayCloseToTheirParents) {
  auto strategy = Make(TwoObjectives(3, 4));
  std::set<int> parent_stems;
  for (const Proposal& p : strategy->Propose(4)) {
    strategy->Observe(MadeUp(p));
    parent_stems.insert(p.genome.arch().stem().channels());
  }
  int inherited = 0;
  for (const Proposal& c : strategy->Propose(40)) {
    inherited += parent_stems.contains(c.genome.arch().stem().channels());
  }
  EXPECT_GT(inherited, 30);
}

TEST(Nsga2, NoDuplicatesAndConstraintsHoldOverManyGenerations) {
  Nsga2::Options options = TwoObjectives(4, 10);
  options.constraints.set_max_params(20000);
  options.constraints.set_max_macs(3000000);
  auto strategy = Make(options);
  std::set<std::string> seen;
  for (int round = 0; round < 60; ++round) {
    for (const Proposal& p : strategy->Propose(5)) {
      EXPECT_TRUE(seen.insert(p.genome_hash).second);
      const auto cost = genome::ComputeGenomeCost(p.genome, kGray);
      ASSERT_TRUE(cost.ok());
      EXPECT_LE(cost->params, 20000);
      EXPECT_LE(cost->macs, 3000000);
      strategy->Observe(MadeUp(p));
    }
  }
  EXPECT_EQ(seen.size(), 300u);
}

TEST(Nsga2, RestoredStrategyContinuesIdentically) {
  auto original = Make(TwoObjectives(5, 6));
  auto restored = Make(TwoObjectives(55, 6));
  testing::ExpectRestoredContinuesIdentically(*original, *restored, 7, 10);
}

TEST(Nsga2, RestoreRejectsAStateOfAnotherShape) {
  auto strategy = Make(TwoObjectives(6, 4));
  for (const Proposal& p : strategy->Propose(4)) strategy->Observe(MadeUp(p));
  v1::StrategyState state = strategy->Save();
  state.mutable_population(0)->add_objectives(1);
  const absl::Status status = strategy->Restore(state);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("objectives"), std::string::npos);
  state = strategy->Save();
  state.set_strategy("evolution");
  EXPECT_EQ(strategy->Restore(state).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Nsga2, BadOptionsAreInvalidArgument) {
  Nsga2::Options options = TwoObjectives(7, 3);
  EXPECT_NE(Nsga2::Create(options).status().message().find("population_size"),
            std::string::npos);
  options = TwoObjectives(7, 4);
  options.objectives.clear();
  EXPECT_FALSE(Nsga2::Create(options).ok());
  options = TwoObjectives(7, 4);
  options.crossover_probability = -0.1;
  EXPECT_FALSE(Nsga2::Create(options).ok());
  options = TwoObjectives(7, 4);
  options.mutation_probability = 2;
  EXPECT_FALSE(Nsga2::Create(options).ok());
  options = TwoObjectives(7, 4);
  options.scope.space.clear_stem_channels();
  EXPECT_FALSE(Nsga2::Create(options).ok());
}

}  // namespace
}  // namespace nasprune::controller
