#include "controller/search/predictor_screen.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/genome/cost.h"
#include "common/genome/hash.h"
#include "common/genome/sampler.h"
#include "controller/search/nsga2.h"
#include "controller/search/regularized_evolution.h"
#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

using testing::JointScope;
using testing::kGray;
using testing::Objective;

// A made-up evaluation the genome features can explain: accuracy grows with
// the log of the params, seconds with the MACs.
double TrueAccuracy(const genome::ModelCost& cost) {
  return 0.3 + 0.12 * std::log10(static_cast<double>(cost.params));
}
double TrueSeconds(const genome::ModelCost& cost) {
  return 1 + static_cast<double>(cost.macs) / 1e5;
}

genome::ModelCost CostOf(const v1::Genome& g) {
  absl::StatusOr<genome::ModelCost> cost = genome::ComputeGenomeCost(g, kGray);
  EXPECT_TRUE(cost.ok()) << cost.status();
  return cost.ok() ? *cost : genome::ModelCost();
}

Observation Evaluate(const Proposal& p) {
  const genome::ModelCost cost = CostOf(p.genome);
  Observation o{.genome_hash = p.genome_hash, .rung = p.rung};
  o.result.set_val_accuracy(TrueAccuracy(cost));
  o.result.set_total_seconds(TrueSeconds(cost));
  o.result.set_params(cost.params);
  o.result.set_macs(cost.macs);
  return o;
}

PredictorScreen::Options ScreenOptions(double cost_weight = 0,
                                       int min_observations = 8) {
  return {.input = kGray,
          .objectives = {Objective(v1::METRIC_ACCURACY)},
          .min_observations = min_observations,
          .cost_weight = cost_weight,
          .seed = 3,
          .predictor = {.steps = 150}};
}

std::vector<Proposal> Sample(uint64_t seed, int n) {
  auto sampler = genome::GenomeSampler::Create({.scope = JointScope()});
  EXPECT_TRUE(sampler.ok());
  Rng rng(seed);
  std::vector<Proposal> out;
  while (static_cast<int>(out.size()) < n) {
    Proposal p{.genome = genome::CanonicalGenome((*sampler)->Sample(rng))};
    p.genome_hash = genome::GenomeHash(p.genome);
    out.push_back(std::move(p));
  }
  return out;
}

void Learn(Screen& screen, const std::vector<Proposal>& proposals) {
  for (const Proposal& p : proposals) {
    screen.Admitted(p.genome, p.genome_hash);
    screen.Observe(Evaluate(p));
  }
}

std::unique_ptr<PredictorScreen> MakeScreen(PredictorScreen::Options options) {
  auto screen = PredictorScreen::Create(std::move(options));
  EXPECT_TRUE(screen.ok()) << screen.status();
  return *std::move(screen);
}

TEST(PredictorScreen, RefusesUnusableOptions) {
  PredictorScreen::Options no_objectives = ScreenOptions();
  no_objectives.objectives.clear();
  PredictorScreen::Options one_observation = ScreenOptions(0, 1);
  PredictorScreen::Options negative = ScreenOptions();
  negative.exploration = -0.5;
  PredictorScreen::Options negative_cost = ScreenOptions(-0.01);
  PredictorScreen::Options negative_every = ScreenOptions();
  negative_every.accuracy_every = -1;
  for (const auto& options : {no_objectives, one_observation, negative,
                              negative_cost, negative_every}) {
    const auto screen = PredictorScreen::Create(options);
    ASSERT_FALSE(screen.ok());
    EXPECT_EQ(screen.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(screen.status().message().find("strategy.screening"),
              std::string::npos);
  }
}

TEST(PredictorScreen, IsReadyAfterEnoughSuccessfulResults) {
  auto screen = MakeScreen(ScreenOptions(0, 4));
  const std::vector<Proposal> p = Sample(1, 6);
  for (const Proposal& q : p) screen->Admitted(q.genome, q.genome_hash);
  Observation failed{.genome_hash = p[0].genome_hash,
                     .state = v1::TRIAL_STATE_FAILED};
  Observation stopped = Evaluate(p[1]);
  stopped.state = v1::TRIAL_STATE_EARLY_STOPPED;
  Observation unknown = Evaluate(Sample(2, 1)[0]);
  screen->Observe(failed);
  screen->Observe(stopped);
  screen->Observe(unknown);
  for (int i = 2; i < 5; ++i) screen->Observe(Evaluate(p[i]));
  EXPECT_FALSE(screen->Ready());
  EXPECT_EQ(screen->Report().observations(), 3);
  screen->Observe(Evaluate(p[5]));
  EXPECT_TRUE(screen->Ready());
  EXPECT_EQ(screen->Report().observations(), 4);
  EXPECT_EQ(screen->Report().held_out(), 0);
}

TEST(PredictorScreen, PredictsHeldOutResultsInTheirOrder) {
  auto screen = MakeScreen(ScreenOptions());
  Learn(*screen, Sample(3, 60));
  const v1::ScreeningReport report = screen->Report();
  EXPECT_EQ(report.observations(), 60);
  EXPECT_EQ(report.held_out(), 52);  // Every one after the first 8.
  EXPECT_GT(report.accuracy_rank_correlation(), 0.8);
  EXPECT_GT(report.cost_rank_correlation(), 0.8);
}

// Groups of 8 fresh candidates; the true accuracy and seconds of what the
// screen chose from each.
void ChooseFromGroups(Screen& screen, double* accuracy, double* seconds,
                      int* top_half) {
  const std::vector<Proposal> pool = Sample(4, 160);
  *accuracy = *seconds = 0;
  *top_half = 0;
  for (size_t g = 0; g < pool.size(); g += 8) {
    std::vector<v1::Genome> group;
    for (size_t i = g; i < g + 8; ++i) group.push_back(pool[i].genome);
    const size_t chosen = screen.Choose(group, {});
    ASSERT_LT(chosen, group.size());
    const double acc = TrueAccuracy(CostOf(group[chosen]));
    int better = 0;
    for (const v1::Genome& other : group) {
      better += TrueAccuracy(CostOf(other)) > acc;
    }
    *top_half += better < 4;
    *accuracy += acc / 20;
    *seconds += TrueSeconds(CostOf(group[chosen])) / 20;
  }
}

TEST(PredictorScreen, ChoosesTheCandidatesPredictedBest) {
  auto screen = MakeScreen(ScreenOptions());
  Learn(*screen, Sample(5, 60));
  double accuracy, seconds;
  int top_half;
  ChooseFromGroups(*screen, &accuracy, &seconds, &top_half);
  EXPECT_GE(top_half, 17) << "of 20 groups";
  EXPECT_EQ(screen->Report().screened_proposals(), 20);
  EXPECT_EQ(screen->Report().screened_candidates(), 160);
}

TEST(PredictorScreen, TheCostObjectivePicksCheaperCandidates) {
  auto accuracy_only = MakeScreen(ScreenOptions(/*cost_weight=*/0));
  auto with_cost = MakeScreen(ScreenOptions(/*cost_weight=*/0.05));
  for (auto* s : {&accuracy_only, &with_cost}) Learn(**s, Sample(6, 60));
  double acc_a, sec_a, acc_c, sec_c;
  int top;
  ChooseFromGroups(*accuracy_only, &acc_a, &sec_a, &top);
  ChooseFromGroups(*with_cost, &acc_c, &sec_c, &top);
  EXPECT_LT(sec_c, sec_a);
}

// Accuracy and params, with the front's params reference at max_params.
PredictorScreen::Options TwoObjectiveOptions(int64_t max_params) {
  PredictorScreen::Options options = ScreenOptions();
  options.objectives.push_back(Objective(v1::METRIC_PARAMS));
  options.constraints.set_max_params(max_params);
  return options;
}

int64_t ParamsOf(const v1::Genome& g) { return CostOf(g).params; }

// The screen has seen only the larger half of the space, so the front's
// small end is empty; candidates in groups of one small genome (below the
// smallest tenth seen) among seven of the larger half.
struct FrontCase {
  std::vector<Proposal> seen;  // The larger half.
  int64_t max_params = 0;
  std::vector<std::vector<v1::Genome>> groups;
  std::vector<size_t> small_at;  // Where each group's small genome is.
};

FrontCase MakeFrontCase() {
  FrontCase c;
  std::vector<Proposal> seen = Sample(21, 120);
  std::vector<int64_t> params;
  for (const Proposal& p : seen) params.push_back(ParamsOf(p.genome));
  std::vector<int64_t> sorted = params;
  std::sort(sorted.begin(), sorted.end());
  const int64_t median = sorted[sorted.size() / 2];
  for (size_t i = 0; i < seen.size(); ++i) {
    if (params[i] >= median) c.seen.push_back(seen[i]);
  }
  c.max_params = 2 * sorted.back();
  const std::vector<Proposal> pool = Sample(22, 400);
  std::vector<v1::Genome> small, big;
  for (const Proposal& p : pool) {
    const int64_t n = ParamsOf(p.genome);
    if (n < sorted[sorted.size() / 10]) small.push_back(p.genome);
    if (n >= median) big.push_back(p.genome);
  }
  EXPECT_GE(small.size(), 10u);
  EXPECT_GE(big.size(), 70u);
  for (size_t g = 0; g < 10 && g < small.size() && 7 * g + 7 <= big.size();
       ++g) {
    std::vector<v1::Genome> group(big.begin() + 7 * g, big.begin() + 7 * g + 7);
    group.insert(group.begin() + g % 8, small[g]);
    c.groups.push_back(std::move(group));
    c.small_at.push_back(g % 8);
  }
  return c;
}

TEST(PredictorScreen, PrefersTheCandidateThatExtendsTheFront) {
  // A candidate below the front's smallest model adds the most hypervolume,
  // though every larger one is predicted more accurate.
  const FrontCase c = MakeFrontCase();
  ASSERT_EQ(c.groups.size(), 10u);
  auto screen = MakeScreen(TwoObjectiveOptions(c.max_params));
  auto accuracy_only = MakeScreen(ScreenOptions());
  Learn(*screen, c.seen);
  Learn(*accuracy_only, c.seen);
  int small_chosen = 0, small_chosen_by_accuracy = 0;
  for (size_t g = 0; g < c.groups.size(); ++g) {
    small_chosen += screen->Choose(c.groups[g], {}) == c.small_at[g];
    small_chosen_by_accuracy +=
        accuracy_only->Choose(c.groups[g], {}) == c.small_at[g];
  }
  EXPECT_GE(small_chosen, 8) << "of 10 groups";
  EXPECT_LE(small_chosen_by_accuracy, 2) << "of 10 groups";
}

TEST(PredictorScreen, EveryNthProposalGoesToTheAccurateEnd) {
  const FrontCase c = MakeFrontCase();
  ASSERT_EQ(c.groups.size(), 10u);
  PredictorScreen::Options options = TwoObjectiveOptions(c.max_params);
  options.accuracy_every = 2;
  auto screen = MakeScreen(options);
  Learn(*screen, c.seen);
  int small_on_gain = 0, small_on_accuracy = 0;
  for (size_t g = 0; g < c.groups.size(); ++g) {
    const bool small = screen->Choose(c.groups[g], {}) == c.small_at[g];
    (g % 2 == 1 ? small_on_accuracy : small_on_gain) += small;
  }
  EXPECT_GE(small_on_gain, 4) << "of the 5 proposals ranked by gain";
  EXPECT_EQ(small_on_accuracy, 0) << "of the 5 ranked by accuracy";
}

// Rung 0 tells the sizes apart the wrong way round (small models learn
// fastest), the top rung the right way: once the top rung has enough results
// the screen ranks there.
TEST(PredictorScreen, RanksAtTheHighestRungWithEnoughResults) {
  auto observe = [](Screen& screen, const Proposal& p, int rung) {
    Observation o = Evaluate(p);
    o.rung = rung;
    const double log_params =
        std::log10(static_cast<double>(ParamsOf(p.genome)));
    o.result.set_val_accuracy(rung == 0 ? 0.9 - 0.05 * log_params
                                        : 0.3 + 0.12 * log_params);
    screen.Observe(o);
  };
  const std::vector<Proposal> seen = Sample(31, 60);
  auto train = [&](int promoted) {
    auto screen = MakeScreen(ScreenOptions());
    for (size_t i = 0; i < seen.size(); ++i) {
      screen->Admitted(seen[i].genome, seen[i].genome_hash);
      observe(*screen, seen[i], 0);
      if (static_cast<int>(i) < promoted) observe(*screen, seen[i], 2);
    }
    return screen;
  };
  auto few_promoted = train(PredictorScreen::kTargetRungSamples - 1);
  auto many_promoted = train(30);
  const std::vector<Proposal> pool = Sample(32, 160);
  int larger_few = 0, larger_many = 0;
  for (size_t g = 0; g < pool.size(); g += 8) {
    std::vector<v1::Genome> group;
    std::vector<int64_t> params;
    for (size_t i = g; i < g + 8; ++i) {
      group.push_back(pool[i].genome);
      params.push_back(ParamsOf(pool[i].genome));
    }
    auto larger_half = [&](size_t chosen) {
      int smaller = 0;
      for (int64_t n : params) smaller += n < params[chosen];
      return smaller >= 4;
    };
    larger_few += larger_half(few_promoted->Choose(group, {}));
    larger_many += larger_half(many_promoted->Choose(group, {}));
  }
  EXPECT_LE(larger_few, 4) << "of 20 groups, ranked at rung 0";
  EXPECT_GE(larger_many, 16) << "of 20 groups, ranked at rung 2";
}

TEST(PredictorScreen, RestoresToTheSameChoices) {
  auto original = MakeScreen(ScreenOptions(0.02));
  Learn(*original, Sample(7, 30));
  v1::StrategyState state;
  original->SaveTo(&state);
  auto restored = MakeScreen(ScreenOptions(0.02));
  ASSERT_TRUE(restored->RestoreFrom(state).ok());
  const std::vector<Proposal> pool = Sample(8, 64);
  for (size_t g = 0; g < pool.size(); g += 8) {
    std::vector<v1::Genome> group;
    for (size_t i = g; i < g + 8; ++i) group.push_back(pool[i].genome);
    EXPECT_EQ(restored->Choose(group, {}), original->Choose(group, {}));
  }
  EXPECT_EQ(restored->Report().SerializeAsString(),
            original->Report().SerializeAsString());
}

TEST(PredictorScreen, RefusesMalformedStates) {
  auto screen = MakeScreen(ScreenOptions());
  Learn(*screen, Sample(9, 10));
  v1::StrategyState good;
  screen->SaveTo(&good);
  const std::string hash = good.screen().samples(0).genome_hash();

  v1::StrategyState short_features = good;
  (*short_features.mutable_screen()->mutable_features())[hash]
      .mutable_values()
      ->RemoveLast();
  v1::StrategyState orphan = good;
  orphan.mutable_screen()->mutable_features()->erase(hash);
  v1::StrategyState fitted = good;
  fitted.mutable_screen()->set_fitted_on(11);
  for (const auto& [state, field] :
       std::vector<std::pair<v1::StrategyState, std::string>>{
           {short_features, "strategy.screen.features["},
           {orphan, "strategy.screen.samples[0]"},
           {fitted, "strategy.screen.fitted_on"}}) {
    auto fresh = MakeScreen(ScreenOptions());
    const absl::Status status = fresh->RestoreFrom(state);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_NE(status.message().find(field), std::string::npos) << status;
    EXPECT_EQ(fresh->Report().observations(), 0) << "nothing restored";
  }
}

// The strategies with a screen.

std::unique_ptr<SearchStrategy> Evolution(uint64_t seed,
                                          std::shared_ptr<Screen> screen) {
  auto s = RegularizedEvolution::Create(
      {.scope = JointScope(),
       .input = kGray,
       .objectives = {Objective(v1::METRIC_ACCURACY)},
       .seed = seed,
       .population_size = 12,
       .sample_size = 3,
       .screen = std::move(screen),
       .screen_candidates = 8});
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

std::unique_ptr<SearchStrategy> Nsga(uint64_t seed,
                                     std::shared_ptr<Screen> screen) {
  auto s = Nsga2::Create({.scope = JointScope(),
                          .input = kGray,
                          .objectives = {Objective(v1::METRIC_ACCURACY),
                                         Objective(v1::METRIC_PARAMS)},
                          .seed = seed,
                          .population_size = 8,
                          .screen = std::move(screen),
                          .screen_candidates = 8});
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

TEST(ScreenedStrategy, ProposesAsWithoutAScreenUntilItIsReady) {
  for (bool nsga : {false, true}) {
    auto make = [&](std::shared_ptr<Screen> screen) {
      return nsga ? Nsga(11, std::move(screen))
                  : Evolution(11, std::move(screen));
    };
    auto plain = make(nullptr);
    auto screened = make(MakeScreen(ScreenOptions(0, 10000)));
    std::vector<Proposal> a, b;
    EXPECT_EQ(testing::RunRounds(*screened, 12, &b, Evaluate),
              testing::RunRounds(*plain, 12, &a, Evaluate))
        << (nsga ? "nsga2" : "evolution");
    ASSERT_TRUE(screened->ScreeningRecord().has_value());
    EXPECT_EQ(screened->ScreeningRecord()->observations(), 35);
    EXPECT_EQ(screened->ScreeningRecord()->screened_proposals(), 0);
    EXPECT_FALSE(plain->ScreeningRecord().has_value());
  }
}

// Mean true accuracy of proposals 30 … 89, each observed at once.
double LaterAccuracy(SearchStrategy& s) {
  double total = 0;
  for (int i = 0; i < 90; ++i) {
    std::vector<Proposal> p = s.Propose(1);
    EXPECT_EQ(p.size(), 1u);
    if (p.empty()) return 0;
    const Observation o = Evaluate(p[0]);
    if (i >= 30) total += o.result.val_accuracy() / 60;
    s.Observe(o);
  }
  return total;
}

TEST(ScreenedStrategy, EvolutionFindsBetterGenomesWithAScreen) {
  auto plain = Evolution(13, nullptr);
  auto screened = Evolution(13, MakeScreen(ScreenOptions()));
  const double without = LaterAccuracy(*plain);
  const double with = LaterAccuracy(*screened);
  EXPECT_GT(with, without + 0.01) << "without " << without << ", with " << with;
  EXPECT_GT(screened->ScreeningRecord()->screened_proposals(), 70);
}

TEST(ScreenedStrategy, ARestoredScreenedSearchContinuesIdentically) {
  auto original = Evolution(17, MakeScreen(ScreenOptions(0.02, 4)));
  auto fresh = Evolution(18, MakeScreen(ScreenOptions(0.02, 4)));
  testing::ExpectRestoredContinuesIdentically(*original, *fresh, 5, 6,
                                              Evaluate);
  EXPECT_GT(original->ScreeningRecord()->screened_proposals(), 10);
}

}  // namespace
}  // namespace nasprune::controller
