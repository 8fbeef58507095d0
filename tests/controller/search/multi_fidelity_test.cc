#include "controller/search/multi_fidelity.h"

#include <set>

#include "controller/search/random_search.h"
#include "controller/search/regularized_evolution.h"
#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

using testing::kGray;
using testing::Objective;

// Random search that records the rungs of what it observes.
class Recording : public SearchStrategy {
 public:
  explicit Recording(uint64_t seed)
      : inner_(*RandomSearch::Create(
            {.scope = testing::JointScope(), .input = kGray, .seed = seed})) {}
  std::vector<Proposal> Propose(int count) override {
    return inner_->Propose(count);
  }
  void Observe(const Observation& o) override {
    observed_rungs.push_back(o.rung);
  }
  DrawCounts Draws() const override { return inner_->Draws(); }
  v1::StrategyState Save() const override { return inner_->Save(); }
  absl::Status Restore(const v1::StrategyState& s) override {
    return inner_->Restore(s);
  }
  std::vector<int> observed_rungs;

 private:
  std::unique_ptr<RandomSearch> inner_;
};

std::vector<v1::Fidelity> EpochRungs(std::vector<int> epochs) {
  std::vector<v1::Fidelity> rungs;
  for (int e : epochs) {
    rungs.emplace_back();
    rungs.back().set_epochs(e);
  }
  return rungs;
}

MultiFidelity::Options Asha(std::unique_ptr<SearchStrategy> inner) {
  return {.inner = std::move(inner),
          .method = v1::MULTI_FIDELITY_METHOD_ASHA,
          .rungs = EpochRungs({1, 3, 9}),
          .reduction_factor = 3,
          .objectives = {Objective(v1::METRIC_ACCURACY)}};
}

std::unique_ptr<MultiFidelity> Make(MultiFidelity::Options options) {
  auto strategy = MultiFidelity::Create(std::move(options));
  EXPECT_TRUE(strategy.ok()) << strategy.status();
  return *std::move(strategy);
}

Observation Result(const Proposal& p, double accuracy, int64_t params = 1000) {
  Observation o{.genome_hash = p.genome_hash, .rung = p.rung};
  o.result.set_val_accuracy(accuracy);
  o.result.set_params(params);
  return o;
}

TEST(MultiFidelity, AshaPromotesTheTopThirdAsSoonAsItIsKnown) {
  auto inner = std::make_unique<Recording>(1);
  Recording* recording = inner.get();
  auto mf = Make(Asha(std::move(inner)));
  const std::vector<Proposal> first = mf->Propose(3);
  ASSERT_EQ(first.size(), 3u);
  for (const Proposal& p : first) {
    EXPECT_EQ(p.rung, 0);
    EXPECT_EQ(p.fidelity.epochs(), 1);
  }
  mf->Observe(Result(first[0], 0.5));
  mf->Observe(Result(first[1], 0.9));
  // Two results: ⌊2/3⌋ = 0 promotions yet.
  std::vector<Proposal> next = mf->Propose(1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].rung, 0);
  mf->Observe(Result(first[2], 0.7));
  next = mf->Propose(2);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].rung, 1);
  EXPECT_EQ(next[0].genome_hash, first[1].genome_hash);
  EXPECT_EQ(next[0].fidelity.epochs(), 3);
  EXPECT_EQ(next[1].rung, 0);  // The best was promoted once only.
  // The wrapped strategy sees every rung-0 outcome and later successes.
  EXPECT_EQ(recording->observed_rungs, (std::vector<int>{0, 0, 0}));
  mf->Observe(Result(next[0], 0.95));
  EXPECT_EQ(recording->observed_rungs, (std::vector<int>{0, 0, 0, 1}));
}

TEST(MultiFidelity, FailedAndStoppedTrialsAreNeverPromoted) {
  auto mf = Make(Asha(std::make_unique<Recording>(2)));
  const std::vector<Proposal> p = mf->Propose(3);
  mf->Observe(
      {.genome_hash = p[0].genome_hash, .state = v1::TRIAL_STATE_FAILED});
  Observation stopped = Result(p[1], 0.99);
  stopped.state = v1::TRIAL_STATE_EARLY_STOPPED;
  mf->Observe(stopped);
  mf->Observe(Result(p[2], 0.1));
  // One real result: nothing to promote.
  for (const Proposal& q : mf->Propose(3)) EXPECT_EQ(q.rung, 0);
}

TEST(MultiFidelity, SuccessiveHalvingWaitsForTheWholeRung) {
  MultiFidelity::Options options = Asha(std::make_unique<Recording>(3));
  options.method = v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING;
  auto mf = Make(std::move(options));
  const std::vector<Proposal> bracket = mf->Propose(9);  // 3^2 at rung 0.
  ASSERT_EQ(bracket.size(), 9u);
  for (int i = 0; i < 8; ++i) mf->Observe(Result(bracket[i], 0.1 * i));
  // Eight of nine in: no promotion; the next bracket starts instead.
  std::vector<Proposal> next = mf->Propose(1);
  EXPECT_EQ(next[0].rung, 0);
  mf->Observe(Result(bracket[8], 0.05));
  next = mf->Propose(4);
  ASSERT_EQ(next.size(), 4u);
  // The best three of the bracket (0.7, 0.6, 0.5), then new work.
  EXPECT_EQ(next[0].genome_hash, bracket[7].genome_hash);
  EXPECT_EQ(next[1].genome_hash, bracket[6].genome_hash);
  EXPECT_EQ(next[2].genome_hash, bracket[5].genome_hash);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(next[i].rung, 1);
  EXPECT_EQ(next[3].rung, 0);
  mf->Observe(Result(next[0], 0.3));
  mf->Observe(Result(next[1], 0.8));
  EXPECT_EQ(mf->Propose(1)[0].rung, 0);  // Rung 1 is not complete.
  mf->Observe(Result(next[2], 0.4));
  const std::vector<Proposal> top = mf->Propose(1);
  EXPECT_EQ(top[0].rung, 2);
  EXPECT_EQ(top[0].genome_hash, bracket[6].genome_hash);
  EXPECT_EQ(top[0].fidelity.epochs(), 9);
}

TEST(MultiFidelity, MultiObjectivePromotionFollowsNonDominatedRank) {
  MultiFidelity::Options options = Asha(std::make_unique<Recording>(4));
  options.objectives = {Objective(v1::METRIC_ACCURACY),
                        Objective(v1::METRIC_PARAMS)};
  options.multi_objective = true;
  auto mf = Make(std::move(options));
  const std::vector<Proposal> p = mf->Propose(6);
  // Front: A (0.9, 100) and B (0.8, 50). C (0.85, 200) is dominated by A
  // though more accurate than B.
  mf->Observe(Result(p[0], 0.9, 100));
  mf->Observe(Result(p[1], 0.85, 200));
  mf->Observe(Result(p[2], 0.8, 50));
  mf->Observe(Result(p[3], 0.7, 60));
  mf->Observe(Result(p[4], 0.6, 500));
  mf->Observe(Result(p[5], 0.5, 400));
  const std::vector<Proposal> promoted = mf->Propose(2);
  std::set<std::string> hashes;
  for (const Proposal& q : promoted) {
    EXPECT_EQ(q.rung, 1);
    hashes.insert(q.genome_hash);
  }
  EXPECT_EQ(hashes,
            (std::set<std::string>{p[0].genome_hash, p[2].genome_hash}));
}

Observation WithCurve(const Proposal& p, std::vector<double> curve) {
  Observation o = Result(p, curve.back());
  for (size_t e = 0; e < curve.size(); ++e) {
    v1::EpochMetrics* m = o.result.add_epochs();
    m->set_phase(v1::PHASE_TRAIN);
    m->set_epoch(static_cast<int>(e) + 1);
    m->set_val_accuracy(curve[e]);
  }
  return o;
}

TEST(MultiFidelity, MedianRuleStopsTrialsBelowTheMedianOfCompletedOnes) {
  MultiFidelity::Options options = Asha(std::make_unique<Recording>(5));
  options.method = v1::MULTI_FIDELITY_METHOD_NONE;
  options.median_stopping = true;
  options.median_grace_epochs = 1;
  auto mf = Make(std::move(options));
  const std::vector<Proposal> p = mf->Propose(6);
  ASSERT_EQ(p[0].fidelity.epochs(), 9);  // One rung: the top.
  // Means over epochs 1..2: 0.5, 0.6, 0.7, 0.8, 0.9 → median 0.7.
  for (int i = 0; i < 4; ++i) {
    mf->Observe(WithCurve(p[i], {0.4 + 0.1 * i, 0.6 + 0.1 * i, 0.9}));
  }
  // Four completed curves: too few to judge.
  EXPECT_FALSE(mf->ShouldStop(p[5].genome_hash, 0, {0.1, 0.2}));
  mf->Observe(WithCurve(p[4], {0.8, 1.0, 0.9}));
  EXPECT_TRUE(mf->ShouldStop(p[5].genome_hash, 0, {0.5, 0.69}));
  EXPECT_FALSE(mf->ShouldStop(p[5].genome_hash, 0, {0.71, 0.6}));
  EXPECT_FALSE(mf->ShouldStop(p[5].genome_hash, 0, {0.1}));  // Grace.
  // No completed curve is 4 epochs long.
  EXPECT_FALSE(mf->ShouldStop(p[5].genome_hash, 0, {0.1, 0.1, 0.1, 0.1}));
}

TEST(MultiFidelity, RestoredStrategyContinuesIdentically) {
  auto evolution = [](uint64_t seed) {
    v1::Objective accuracy = Objective(v1::METRIC_ACCURACY);
    return *RegularizedEvolution::Create({.scope = testing::JointScope(),
                                          .input = kGray,
                                          .objectives = {accuracy},
                                          .seed = seed,
                                          .population_size = 4,
                                          .sample_size = 2});
  };
  for (auto method : {v1::MULTI_FIDELITY_METHOD_ASHA,
                      v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING}) {
    MultiFidelity::Options a = Asha(evolution(6));
    a.method = method;
    MultiFidelity::Options b = Asha(evolution(66));
    b.method = method;
    auto original = Make(std::move(a));
    auto restored = Make(std::move(b));
    testing::ExpectRestoredContinuesIdentically(*original, *restored, 8, 10);
  }
}

TEST(MultiFidelity, BadOptionsAreInvalidArgument) {
  EXPECT_FALSE(MultiFidelity::Create({}).ok());
  MultiFidelity::Options options = Asha(std::make_unique<Recording>(7));
  options.rungs.clear();
  EXPECT_FALSE(MultiFidelity::Create(std::move(options)).ok());
  options = Asha(std::make_unique<Recording>(7));
  options.reduction_factor = 1;
  const auto status = MultiFidelity::Create(std::move(options)).status();
  EXPECT_NE(status.message().find("reduction_factor"), std::string::npos);
}

TEST(MultiFidelity, RestoreRejectsAForeignState) {
  auto mf = Make(Asha(std::make_unique<Recording>(8)));
  v1::StrategyState state = mf->Save();
  state.set_strategy("random");
  EXPECT_EQ(mf->Restore(state).code(), absl::StatusCode::kInvalidArgument);
  mf->Propose(1);
  state = mf->Save();
  state.mutable_rung_members(0)->set_rung(7);
  EXPECT_EQ(mf->Restore(state).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::controller
