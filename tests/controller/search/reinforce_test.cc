#include "controller/search/reinforce.h"

#include <set>

#include "common/genome/cost.h"
#include "common/genome/validate.h"
#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

using testing::kGray;
using testing::MadeUp;

Reinforce::Options Options(uint64_t seed) {
  return {.scope = testing::JointScope(),
          .input = kGray,
          .objectives = {testing::Objective(v1::METRIC_ACCURACY)},
          .seed = seed,
          .hidden_size = 16};
}

std::unique_ptr<Reinforce> Make(Reinforce::Options options) {
  auto strategy = Reinforce::Create(std::move(options));
  EXPECT_TRUE(strategy.ok()) << strategy.status();
  return *std::move(strategy);
}

TEST(Reinforce, ProposalsAreValidNewAndWithinConstraints) {
  Reinforce::Options options = Options(1);
  options.constraints.set_max_params(20000);
  options.constraints.set_max_macs(3000000);
  auto strategy = Make(options);
  std::set<std::string> seen;
  for (int round = 0; round < 30; ++round) {
    for (const Proposal& p : strategy->Propose(10)) {
      EXPECT_TRUE(seen.insert(p.genome_hash).second);
      EXPECT_TRUE(genome::ValidateGenomeInScope(p.genome, options.scope).ok());
      const auto cost = genome::ComputeGenomeCost(p.genome, kGray);
      ASSERT_TRUE(cost.ok());
      EXPECT_LE(cost->params, 20000);
      EXPECT_LE(cost->macs, 3000000);
      strategy->Observe(MadeUp(p));
    }
  }
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(strategy->policy().updates(), 300 / 8);
}

TEST(Reinforce, LearnsWhatTheRewardFavours) {
  // MadeUp rewards wider stems; the widest (24) is one of 4 options.
  Reinforce::Options options = Options(2);
  options.learning_rate = 0.05;
  auto strategy = Make(options);
  int widest_late = 0;
  for (int round = 0; round < 40; ++round) {
    for (const Proposal& p : strategy->Propose(8)) {
      if (round >= 35) widest_late += p.genome.arch().stem().channels() == 24;
      strategy->Observe(MadeUp(p));
    }
  }
  EXPECT_GT(widest_late, 20) << "of 40; uniform would give 10";
}

TEST(Reinforce, FailuresAreNotEpisodes) {
  auto strategy = Make(Options(3));
  for (const Proposal& p : strategy->Propose(8)) {
    strategy->Observe(
        {.genome_hash = p.genome_hash, .state = v1::TRIAL_STATE_FAILED});
  }
  EXPECT_EQ(strategy->policy().updates(), 0);
  EXPECT_EQ(strategy->Save().episodes_size(), 0);
}

TEST(Reinforce, RestoredStrategyContinuesIdentically) {
  auto original = Make(Options(4));
  auto restored = Make(Options(44));
  testing::ExpectRestoredContinuesIdentically(*original, *restored, 9, 12);
}

TEST(Reinforce, RestoreRejectsAForeignStateAndChangesNothing) {
  auto strategy = Make(Options(5));
  strategy->Propose(3);
  const v1::StrategyState before = strategy->Save();
  // Each bad state also differs in its generator and proposals, so a
  // partly applied restore would show.
  auto bad = [&before] {
    v1::StrategyState s = before;
    s.mutable_rng()->set_words(0, s.rng().words(0) + 1);
    s.add_proposed("not-proposed");
    return s;
  };
  v1::StrategyState state = bad();
  state.set_strategy("nsga2");
  EXPECT_EQ(strategy->Restore(state).code(),
            absl::StatusCode::kInvalidArgument);
  state = bad();
  state.mutable_policy()->mutable_weights()->resize(10);
  EXPECT_EQ(strategy->Restore(state).code(),
            absl::StatusCode::kInvalidArgument);
  state = bad();
  state.mutable_population(0)->add_actions(0);
  EXPECT_EQ(strategy->Restore(state).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      strategy->Save(), before));
}

TEST(Reinforce, BadBatchSizeIsInvalidArgument) {
  Reinforce::Options options = Options(6);
  options.batch_size = 0;
  const auto strategy = Reinforce::Create(options);
  EXPECT_EQ(strategy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(strategy.status().message().find("batch_size"), std::string::npos);
}

}  // namespace
}  // namespace nasprune::controller
