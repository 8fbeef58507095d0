#include "controller/search/regularized_evolution.h"

#include <map>
#include <set>

#include "common/genome/default_space.h"
#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

const genome::InputSpec kGray{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};

RegularizedEvolution::Options Options(uint64_t seed, int population,
                                      int sample) {
  v1::Objective accuracy;
  accuracy.set_metric(v1::METRIC_ACCURACY);
  return {.scope = {.space = genome::DefaultSearchSpace(kGray),
                    .mode = v1::SEARCH_MODE_JOINT},
          .input = kGray,
          .objectives = {accuracy},
          .seed = seed,
          .population_size = population,
          .sample_size = sample};
}

std::unique_ptr<RegularizedEvolution> Make(
    RegularizedEvolution::Options options) {
  auto strategy = RegularizedEvolution::Create(std::move(options));
  EXPECT_TRUE(strategy.ok()) << strategy.status();
  return *std::move(strategy);
}

// A made-up accuracy: wider stems score higher.
Observation Succeeded(const Proposal& p) {
  Observation o{.genome_hash = p.genome_hash};
  o.result.set_val_accuracy(p.genome.arch().stem().channels() / 100.0);
  return o;
}

std::vector<int64_t> Births(const v1::StrategyState& state) {
  std::vector<int64_t> births;
  for (const auto& m : state.population()) {
    if (m.observed()) births.push_back(m.birth());
  }
  return births;
}

TEST(TournamentWinner, WholePopulationSampleAlwaysPicksTheBest) {
  Rng rng(1);
  const std::vector<double> rewards = {0.2, 0.9, 0.5, 0.9, 0.1};
  for (int i = 0; i < 50; ++i) {
    const size_t w = TournamentWinner(rewards, 5, rng);
    EXPECT_TRUE(w == 1 || w == 3);
  }
}

TEST(TournamentWinner, SampleOfOneIsUniform) {
  Rng rng(2);
  std::vector<int> wins(4, 0);
  for (int i = 0; i < 8000; ++i) {
    ++wins[TournamentWinner({0.4, 0.3, 0.2, 0.1}, 1, rng)];
  }
  for (int w : wins) EXPECT_NEAR(w / 8000.0, 0.25, 0.03);
}

TEST(TournamentWinner, LargerSamplesFavourTheBest) {
  Rng rng(3);
  int best = 0;
  for (int i = 0; i < 4000; ++i) {
    best += TournamentWinner({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, 3, rng) == 5;
  }
  // P(best among 3 of 6 drawn without replacement) = 1/2.
  EXPECT_NEAR(best / 4000.0, 0.5, 0.04);
}

TEST(RegularizedEvolution, OldestMemberDiesFirst) {
  auto strategy = Make(Options(1, 3, 2));
  const std::vector<Proposal> proposals = strategy->Propose(5);
  ASSERT_EQ(proposals.size(), 5u);
  for (const Proposal& p : proposals) strategy->Observe(Succeeded(p));
  // Five joined a population of three: the first two died.
  EXPECT_EQ(Births(strategy->Save()), (std::vector<int64_t>{2, 3, 4}));
}

TEST(RegularizedEvolution, AgeIsWhenAMemberJoinsNotWhenItWasProposed) {
  auto strategy = Make(Options(2, 2, 1));
  const std::vector<Proposal> p = strategy->Propose(3);
  strategy->Observe(Succeeded(p[2]));
  strategy->Observe(Succeeded(p[0]));
  strategy->Observe(Succeeded(p[1]));  // p[2] joined first, so it dies.
  EXPECT_EQ(Births(strategy->Save()), (std::vector<int64_t>{0, 1}));
}

TEST(RegularizedEvolution, FailuresNeverJoinAndUnknownHashesAreIgnored) {
  auto strategy = Make(Options(3, 4, 2));
  const std::vector<Proposal> p = strategy->Propose(3);
  strategy->Observe(
      {.genome_hash = p[0].genome_hash, .state = v1::TRIAL_STATE_FAILED});
  strategy->Observe(Succeeded(p[1]));
  strategy->Observe({.genome_hash = "not-proposed"});
  strategy->Observe(Succeeded(p[1]));  // A repeat counts once.
  EXPECT_EQ(Births(strategy->Save()), (std::vector<int64_t>{1}));
}

TEST(RegularizedEvolution, ALaterResultReplacesAMembersFiguresNotItsAge) {
  auto strategy = Make(Options(8, 4, 2));
  const std::vector<Proposal> p = strategy->Propose(2);
  strategy->Observe(Succeeded(p[0]));
  strategy->Observe(Succeeded(p[1]));
  Observation better = Succeeded(p[0]);
  better.result.set_val_accuracy(0.97);
  strategy->Observe(better);
  const v1::StrategyState state = strategy->Save();
  ASSERT_EQ(Births(state), (std::vector<int64_t>{0, 1}));
  EXPECT_DOUBLE_EQ(state.population(0).reward(), 0.97);
  // A failure after the fact changes nothing.
  strategy->Observe(
      {.genome_hash = p[1].genome_hash, .state = v1::TRIAL_STATE_FAILED});
  EXPECT_EQ(strategy->Save().population(1).reward(),
            state.population(1).reward());
}

TEST(RegularizedEvolution, ChildrenComeFromThePopulationOnceItIsFull) {
  // With a population of 4 and sample 4, every child mutates the widest
  // stem's genome: one gene changes, so most children keep its stem.
  auto strategy = Make(Options(4, 4, 4));
  const std::vector<Proposal> initial = strategy->Propose(4);
  int best_stem = 0;
  for (const Proposal& p : initial) {
    strategy->Observe(Succeeded(p));
    best_stem = std::max(best_stem, p.genome.arch().stem().channels());
  }
  int same_stem = 0;
  const std::vector<Proposal> children = strategy->Propose(40);
  ASSERT_EQ(children.size(), 40u);
  for (const Proposal& c : children) {
    same_stem += c.genome.arch().stem().channels() == best_stem;
  }
  EXPECT_GT(same_stem, 30);
}

TEST(RegularizedEvolution, NoDuplicatesAcrossManyGenerations) {
  auto strategy = Make(Options(5, 8, 3));
  std::set<std::string> seen;
  for (int round = 0; round < 40; ++round) {
    for (const Proposal& p : strategy->Propose(5)) {
      EXPECT_TRUE(seen.insert(p.genome_hash).second);
      strategy->Observe(Succeeded(p));
    }
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(RegularizedEvolution, RestoredStrategyContinuesIdentically) {
  auto original = Make(Options(6, 6, 3));
  auto restored = Make(Options(77, 6, 3));
  testing::ExpectRestoredContinuesIdentically(*original, *restored, 5, 8,
                                              Succeeded);
}

TEST(RegularizedEvolution, BadSizesAreInvalidArgument) {
  EXPECT_FALSE(RegularizedEvolution::Create(Options(7, 1, 1)).ok());
  EXPECT_FALSE(RegularizedEvolution::Create(Options(7, 4, 5)).ok());
  EXPECT_FALSE(RegularizedEvolution::Create(Options(7, 4, 0)).ok());
  auto options = Options(7, 4, 2);
  options.crossover_probability = 1.5;
  EXPECT_FALSE(RegularizedEvolution::Create(options).ok());
}

}  // namespace
}  // namespace nasprune::controller
