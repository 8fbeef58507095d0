#include "controller/search/pareto.h"

#include <cmath>
#include <limits>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

using ::testing::ElementsAre;

TEST(Dominates, BetterSomewhereAndWorseNowhere) {
  EXPECT_TRUE(Dominates({1, 2}, {1, 3}));
  EXPECT_TRUE(Dominates({0, 0, 0}, {1, 1, 1}));
  EXPECT_FALSE(Dominates({1, 2}, {1, 2}));  // Equal: neither dominates.
  EXPECT_FALSE(Dominates({1, 3}, {2, 2}));  // A trade-off.
  EXPECT_FALSE(Dominates({2, 2}, {1, 3}));
}

TEST(ConstrainedDominates, FeasibleFirstThenSmallerViolation) {
  // A worse but feasible point beats a better infeasible one.
  EXPECT_TRUE(ConstrainedDominates({5, 5}, 0, {1, 1}, 0.1));
  EXPECT_FALSE(ConstrainedDominates({1, 1}, 0.1, {5, 5}, 0));
  // Two infeasible points: the smaller violation wins, objectives aside.
  EXPECT_TRUE(ConstrainedDominates({9, 9}, 0.2, {1, 1}, 0.5));
  // Two feasible points: Pareto dominance.
  EXPECT_TRUE(ConstrainedDominates({1, 1}, 0, {2, 2}, 0));
  EXPECT_FALSE(ConstrainedDominates({1, 3}, 0, {2, 2}, 0));
}

TEST(NonDominatedSort, SplitsAHandBuiltSetIntoFronts) {
  // Front 0: (1,4) (2,2) (4,1); front 1: (3,3) (2,5); front 2: (4,5).
  const std::vector<Objectives> points = {{3, 3}, {1, 4}, {4, 5},
                                          {2, 2}, {2, 5}, {4, 1}};
  EXPECT_THAT(
      NonDominatedSort(points),
      ElementsAre(ElementsAre(1, 3, 5), ElementsAre(0, 4), ElementsAre(2)));
}

TEST(NonDominatedSort, EqualPointsShareAFront) {
  EXPECT_THAT(NonDominatedSort({{1, 1}, {1, 1}, {2, 2}}),
              ElementsAre(ElementsAre(0, 1), ElementsAre(2)));
}

TEST(NonDominatedSort, ConstraintDominationPutsInfeasiblePointsLast) {
  // (0,0) is best but violates a constraint; feasible points come first,
  // then infeasible ones by violation.
  const std::vector<Objectives> points = {{0, 0}, {1, 2}, {2, 1}, {0.5, 0.5}};
  EXPECT_THAT(NonDominatedSort(points, {0.3, 0, 0, 0.1}),
              ElementsAre(ElementsAre(1, 2), ElementsAre(3), ElementsAre(0)));
}

TEST(NonDominatedSort, EveryPointInExactlyOneFrontOnRandomSets) {
  std::mt19937 gen(4);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Objectives> points(60);
    for (auto& p : points) p = {u(gen), u(gen), u(gen)};
    const auto fronts = NonDominatedSort(points);
    std::vector<int> rank(points.size(), -1);
    for (size_t f = 0; f < fronts.size(); ++f) {
      for (size_t i : fronts[f]) {
        EXPECT_EQ(rank[i], -1);
        rank[i] = static_cast<int>(f);
      }
    }
    for (size_t a = 0; a < points.size(); ++a) {
      ASSERT_GE(rank[a], 0);
      for (size_t b = 0; b < points.size(); ++b) {
        if (Dominates(points[a], points[b])) {
          EXPECT_LT(rank[a], rank[b]);
        }
      }
    }
    EXPECT_EQ(fronts[0], ParetoIndices(points));
  }
}

TEST(CrowdingDistance, ExtremesAreInfiniteInteriorSumsNormalizedGaps) {
  // A front on x + y = 4: (0,4) (1,3) (3,1) (4,0).
  const std::vector<Objectives> points = {{1, 3}, {4, 0}, {0, 4}, {3, 1}};
  const auto d = CrowdingDistance(points, {0, 1, 2, 3});
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(d[1], inf);
  EXPECT_EQ(d[2], inf);
  // (1,3): neighbours (0,4) and (3,1): (3 − 0)/4 + (4 − 1)/4 = 1.5.
  EXPECT_DOUBLE_EQ(d[0], 1.5);
  EXPECT_DOUBLE_EQ(d[3], 1.5);
}

TEST(CrowdingDistance, SmallFrontsAreAllBoundary) {
  const std::vector<Objectives> points = {{1, 2}, {2, 1}};
  const auto d = CrowdingDistance(points, {0, 1});
  EXPECT_TRUE(std::isinf(d[0]) && std::isinf(d[1]));
  EXPECT_TRUE(CrowdingDistance(points, {}).empty());
}

TEST(Hypervolume, TwoDimensionalStaircase) {
  // (1,3) (2,2) (3,1) against (4,4): 1·1 + 1·2 + 1·3 = 6.
  EXPECT_DOUBLE_EQ(Hypervolume({{1, 3}, {2, 2}, {3, 1}}, {4, 4}), 6);
  // Dominated and duplicate points add nothing; points outside add nothing.
  EXPECT_DOUBLE_EQ(
      Hypervolume({{1, 3}, {2, 2}, {3, 1}, {3, 3}, {2, 2}, {5, 0}}, {4, 4}), 6);
  EXPECT_DOUBLE_EQ(Hypervolume({}, {1, 1}), 0);
  EXPECT_DOUBLE_EQ(Hypervolume({{1, 1}}, {1, 2}), 0);  // On the boundary.
}

TEST(Hypervolume, ThreeDimensionsByInclusionExclusion) {
  EXPECT_DOUBLE_EQ(Hypervolume({{1, 1, 1}}, {2, 2, 2}), 1);
  // |A ∪ B| = |A| + |B| − |A ∩ B| for the boxes up to (2,2,2):
  // A from (0,1,0): 2·1·2 = 4; B from (1,0,0): 1·2·2 = 4; A ∩ B from
  // (1,1,0): 1·1·2 = 2.
  EXPECT_DOUBLE_EQ(Hypervolume({{0, 1, 0}, {1, 0, 0}}, {2, 2, 2}), 6);
}

TEST(Hypervolume, MatchesMonteCarloInFourDimensions) {
  std::mt19937 gen(9);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Objectives> points(12);
  for (auto& p : points) p = {u(gen), u(gen), u(gen), u(gen)};
  const Objectives reference = {1, 1, 1, 1};
  const double exact = Hypervolume(points, reference);
  int inside = 0;
  const int samples = 200000;
  for (int s = 0; s < samples; ++s) {
    const Objectives x = {u(gen), u(gen), u(gen), u(gen)};
    for (const auto& p : points) {
      if (p[0] <= x[0] && p[1] <= x[1] && p[2] <= x[2] && p[3] <= x[3]) {
        ++inside;
        break;
      }
    }
  }
  EXPECT_NEAR(exact, static_cast<double>(inside) / samples, 0.005);
}

TEST(Hypervolume, ContinuousFrontApproachesItsIntegral) {
  // ZDT1's front f2 = 1 − √f1 on [0, 1] against (1, 1) has hypervolume
  // ∫₀¹ √x dx = 2/3; 1,001 points get within 1e-3.
  std::vector<Objectives> front;
  for (int i = 0; i <= 1000; ++i) {
    const double x = i / 1000.0;
    front.push_back({x, 1 - std::sqrt(x)});
  }
  EXPECT_NEAR(Hypervolume(front, {1, 1}), 2.0 / 3.0, 1e-3);
}

}  // namespace
}  // namespace nasprune::controller
