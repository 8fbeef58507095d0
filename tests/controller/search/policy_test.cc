#include "controller/search/policy.h"

#include <cmath>

#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

using Episode = CategoricalPolicy::Episode;

std::unique_ptr<CategoricalPolicy> Make(CategoricalPolicy::Options options) {
  auto policy = CategoricalPolicy::Create(std::move(options));
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *std::move(policy);
}

double Entropy(const std::vector<double>& p) {
  double h = 0;
  for (double x : p) h -= x > 0 ? x * std::log(x) : 0;
  return h;
}

// Both arms pulled equally often; the rewarded arm's probability must rise.
TEST(CategoricalPolicy, UpdateMovesProbabilityTowardTheBetterArm) {
  for (int better : {0, 1}) {
    auto policy = Make({.choices = {2}, .entropy_weight = 0, .seed = 7});
    const double before = policy->NextProbabilities({})[better];
    std::vector<Episode> batch;
    for (int i = 0; i < 4; ++i) {
      batch.push_back({.actions = {better}, .reward = 1.0});
      batch.push_back({.actions = {1 - better}, .reward = 0.0});
    }
    policy->Update(batch);
    EXPECT_GT(policy->NextProbabilities({})[better], before + 0.005)
        << "arm " << better;
  }
}

TEST(CategoricalPolicy, AnEpisodeAboveTheBaselineIsReinforced) {
  auto policy = Make({.choices = {2}, .entropy_weight = 0, .seed = 8});
  // First batch sets the baseline to its mean (0.5).
  policy->Update({{.actions = {0}, .reward = 0.5}});
  EXPECT_DOUBLE_EQ(policy->baseline(), 0.5);
  const double before = policy->NextProbabilities({})[1];
  policy->Update({{.actions = {1}, .reward = 0.9}});  // Advantage +0.4.
  const double after_good = policy->NextProbabilities({})[1];
  EXPECT_GT(after_good, before);
  EXPECT_NEAR(policy->baseline(), 0.95 * 0.5 + 0.05 * 0.9, 1e-12);
  policy->Update({{.actions = {1}, .reward = 0.0}});  // Below the baseline.
  EXPECT_LT(policy->NextProbabilities({})[1], after_good);
}

TEST(CategoricalPolicy, LearnsATwoArmedBandit) {
  auto policy = Make({.choices = {2}, .learning_rate = 0.05, .seed = 9});
  Rng rng(9);
  for (int step = 0; step < 60; ++step) {
    std::vector<Episode> batch;
    for (const std::vector<int>& a : policy->Sample(8, rng)) {
      batch.push_back({.actions = a, .reward = a[0] == 1 ? 1.0 : 0.2});
    }
    policy->Update(batch);
  }
  EXPECT_GT(policy->NextProbabilities({})[1], 0.9);
}

// The LSTM sees earlier actions: reward for repeating the first action.
TEST(CategoricalPolicy, LaterDecisionsDependOnEarlierActions) {
  auto policy = Make({.choices = {2, 2}, .learning_rate = 0.05, .seed = 10});
  Rng rng(10);
  for (int step = 0; step < 150; ++step) {
    std::vector<Episode> batch;
    for (const std::vector<int>& a : policy->Sample(16, rng)) {
      batch.push_back({.actions = a, .reward = a[0] == a[1] ? 1.0 : 0.0});
    }
    policy->Update(batch);
  }
  EXPECT_GT(policy->NextProbabilities({0})[0], 0.8);
  EXPECT_GT(policy->NextProbabilities({1})[1], 0.8);
}

// An unused decision's action does not change the update (the last one is
// fed to no later step, so its action reaches nothing).
TEST(CategoricalPolicy, UnusedDecisionsDoNotCount) {
  auto batch = [](int unused_action) {
    std::vector<Episode> b;
    for (int i = 0; i < 4; ++i) {
      b.push_back(
          {.actions = {0, unused_action}, .used = {true, false}, .reward = 1});
      b.push_back({.actions = {1, 2 - unused_action},
                   .used = {true, false},
                   .reward = 0});
    }
    return b;
  };
  auto a = Make({.choices = {2, 3}, .seed = 11});
  auto b = Make({.choices = {2, 3}, .seed = 11});
  a->Update(batch(0));
  b->Update(batch(2));
  EXPECT_EQ(a->Save().SerializeAsString(), b->Save().SerializeAsString());
  auto c = Make({.choices = {2, 3}, .seed = 11});
  std::vector<Episode> all_used = batch(0);
  for (Episode& e : all_used) e.used.clear();
  c->Update(all_used);
  EXPECT_NE(a->Save().SerializeAsString(), c->Save().SerializeAsString());
}

TEST(CategoricalPolicy, EntropyBonusKeepsTheDistributionSpread) {
  auto train = [](double entropy_weight) {
    auto policy = Make({.choices = {4},
                        .learning_rate = 0.01,
                        .entropy_weight = entropy_weight,
                        .seed = 12});
    for (int i = 0; i < 10; ++i) {
      policy->Update({{.actions = {0}, .reward = 1},
                      {.actions = {1}, .reward = 0},
                      {.actions = {2}, .reward = 0},
                      {.actions = {3}, .reward = 0}});
    }
    return Entropy(policy->NextProbabilities({}));
  };
  const double without = train(0);
  ASSERT_LT(without, 1.3);  // Uniform: ln 4 = 1.386.
  EXPECT_GT(train(0.5), without + 0.05);
}

TEST(CategoricalPolicy, RestoredPolicyContinuesIdentically) {
  auto a = Make({.choices = {3, 2, 4}, .seed = 13});
  Rng rng_a(1);
  auto train = [](CategoricalPolicy& p, Rng& rng) {
    std::vector<Episode> batch;
    for (const std::vector<int>& x : p.Sample(8, rng)) {
      batch.push_back({.actions = x, .reward = x[0] * 0.3 + x[2] * 0.1});
    }
    p.Update(batch);
  };
  for (int i = 0; i < 5; ++i) train(*a, rng_a);
  const v1::PolicyState saved = a->Save();
  Rng rng_b = rng_a;
  for (int i = 0; i < 5; ++i) train(*a, rng_a);

  auto b = Make({.choices = {3, 2, 4}, .seed = 99});
  ASSERT_TRUE(b->Restore(saved).ok());
  EXPECT_EQ(b->updates(), 5);
  for (int i = 0; i < 5; ++i) train(*b, rng_b);
  EXPECT_EQ(b->Save().SerializeAsString(), a->Save().SerializeAsString());
  EXPECT_EQ(b->Sample(20, rng_b), a->Sample(20, rng_a));
}

TEST(CategoricalPolicy, RestoreRejectsWeightsOfAnotherShape) {
  auto small = Make({.choices = {2}, .hidden_size = 4});
  auto large = Make({.choices = {2}, .hidden_size = 8});
  const absl::Status status = small->Restore(large->Save());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("weights"), std::string::npos);
}

TEST(CategoricalPolicy, BadOptionsNameTheField) {
  struct Case {
    CategoricalPolicy::Options options;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{.choices = {}}, "no decision"},
      {{.choices = {2, 1}}, "decision 1"},
      {{.choices = {2}, .hidden_size = 0}, "hidden_size"},
      {{.choices = {2}, .hidden_size = 2000}, "hidden_size"},
      {{.choices = {2}, .learning_rate = 0}, "learning_rate"},
      {{.choices = {2}, .learning_rate = 1.5}, "learning_rate"},
      {{.choices = {2}, .entropy_weight = -1}, "entropy_weight"},
      {{.choices = {2}, .baseline_decay = 1}, "baseline_decay"},
  };
  for (const Case& c : cases) {
    const auto policy = CategoricalPolicy::Create(c.options);
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(policy.status().message().find(c.field), std::string::npos)
        << policy.status();
  }
}

}  // namespace
}  // namespace nasprune::controller
