#include "controller/search/predictor.h"

#include <cmath>
#include <vector>

#include "common/random/rng.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

// Rows of three uniform features and two targets: a nonlinear one and a
// linear one.
void MakeData(uint64_t seed, int n, std::vector<std::vector<float>>* x,
              std::vector<std::vector<double>>* y) {
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const double a = rng.UniformDouble(), b = rng.UniformDouble(),
                 c = rng.UniformDouble();
    x->push_back(
        {static_cast<float>(a), static_cast<float>(b), static_cast<float>(c)});
    y->push_back({std::sin(3 * a) + b * b, 2 * c - a});
  }
}

std::vector<double> Column(const std::vector<std::vector<double>>& y, int j) {
  std::vector<double> out;
  for (const auto& row : y) out.push_back(row[j]);
  return out;
}

TEST(EnsemblePredictor, RanksHeldOutRowsLikeTheTargets) {
  std::vector<std::vector<float>> x, test_x;
  std::vector<std::vector<double>> y, test_y;
  MakeData(1, 120, &x, &y);
  MakeData(2, 100, &test_x, &test_y);
  EnsemblePredictor predictor({.seed = 7});
  EXPECT_FALSE(predictor.fitted());
  predictor.Fit(x, y);
  ASSERT_TRUE(predictor.fitted());
  std::vector<std::vector<double>> predicted;
  for (const auto& p : predictor.Predict(test_x)) {
    ASSERT_EQ(p.mean.size(), 2u);
    ASSERT_EQ(p.stddev.size(), 2u);
    EXPECT_GE(p.stddev[0], 0);
    predicted.push_back(p.mean);
  }
  EXPECT_GT(SpearmanCorrelation(Column(predicted, 0), Column(test_y, 0)), 0.9);
  EXPECT_GT(SpearmanCorrelation(Column(predicted, 1), Column(test_y, 1)), 0.9);
}

TEST(EnsemblePredictor, AFitIsAFunctionOfItsDataAndSeed) {
  std::vector<std::vector<float>> x;
  std::vector<std::vector<double>> y;
  MakeData(3, 40, &x, &y);
  EnsemblePredictor a({.seed = 5}), b({.seed = 5}), c({.seed = 6});
  a.Fit(x, y);
  b.Fit(x, y);
  c.Fit(x, y);
  const auto pa = a.Predict(x), pb = b.Predict(x), pc = c.Predict(x);
  bool differs = false;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(pa[i].mean, pb[i].mean);
    EXPECT_EQ(pa[i].stddev, pb[i].stddev);
    differs |= pa[i].mean != pc[i].mean;
  }
  EXPECT_TRUE(differs) << "another seed gives another ensemble";
}

TEST(EnsemblePredictor, MembersDisagreeFarFromTheData) {
  std::vector<std::vector<float>> x;
  std::vector<std::vector<double>> y;
  MakeData(4, 60, &x, &y);
  EnsemblePredictor predictor({.seed = 1});
  predictor.Fit(x, y);
  const auto near = predictor.Predict({{0.5f, 0.5f, 0.5f}});
  const auto far = predictor.Predict({{8.0f, -8.0f, 8.0f}});
  EXPECT_GT(far[0].stddev[0], near[0].stddev[0]);
}

TEST(SpearmanCorrelation, RanksWithTiesAndDegenerateSeries) {
  EXPECT_DOUBLE_EQ(SpearmanCorrelation({1, 2, 3, 4}, {10, 20, 30, 40}), 1);
  EXPECT_DOUBLE_EQ(SpearmanCorrelation({1, 2, 3, 4}, {4, 3, 2, 1}), -1);
  EXPECT_DOUBLE_EQ(SpearmanCorrelation({1, 2, 3, 4}, {1, 8, 27, 64}), 1);
  // Ties take their average rank: ranks (0.5, 0.5, 2) against (0, 1, 2).
  EXPECT_NEAR(SpearmanCorrelation({1, 1, 2}, {1, 2, 3}), 0.8660254, 1e-6);
  EXPECT_EQ(SpearmanCorrelation({1, 2}, {1, 2}), 0);
  EXPECT_EQ(SpearmanCorrelation({1, 1, 1}, {1, 2, 3}), 0);
  EXPECT_EQ(SpearmanCorrelation({1, 2, 3}, {1, 2}), 0);
}

}  // namespace
}  // namespace nasprune::controller
