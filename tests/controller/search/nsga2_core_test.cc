#include "controller/search/nsga2_core.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

using ::testing::ElementsAre;

// Front 0: (1,4) (2,2) (4,1); front 1: (3,3) (2,5); front 2: (4,5).
const std::vector<Objectives> kPoints = {{3, 3}, {1, 4}, {4, 5},
                                         {2, 2}, {2, 5}, {4, 1}};

TEST(RankPopulation, RanksAndCrowdingPerFront) {
  const RankedPopulation r = RankPopulation(kPoints);
  EXPECT_THAT(r.rank, ElementsAre(1, 0, 2, 0, 1, 0));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(r.crowding[1], inf);
  EXPECT_EQ(r.crowding[5], inf);
  // (2,2) between (1,4) and (4,1): (4 − 1)/3 + (4 − 1)/3 = 2.
  EXPECT_DOUBLE_EQ(r.crowding[3], 2);
}

TEST(CrowdedBetter, RankThenCrowding) {
  const RankedPopulation r = RankPopulation(kPoints);
  EXPECT_TRUE(CrowdedBetter(r, 3, 0));   // Rank 0 beats rank 1.
  EXPECT_TRUE(CrowdedBetter(r, 1, 3));   // Same rank: ∞ beats 2.
  EXPECT_FALSE(CrowdedBetter(r, 3, 3));  // Not better than itself.
}

TEST(CrowdedTournament, FavoursTheBetterRanks) {
  const RankedPopulation r = RankPopulation(kPoints);
  Rng rng(3);
  std::vector<int> wins(kPoints.size(), 0);
  for (int i = 0; i < 6000; ++i) ++wins[CrowdedTournament(r, rng)];
  // The worst member wins only when drawn twice: about 1/36.
  EXPECT_NEAR(wins[2] / 6000.0, 1.0 / 36, 0.01);
  EXPECT_GT(wins[1], wins[0]);
  EXPECT_GT(wins[5], wins[4]);
}

TEST(SelectSurvivors, WholeFrontsThenTheMostCrowdingDistance) {
  EXPECT_THAT(SelectSurvivors(kPoints, {}, 3), ElementsAre(1, 3, 5));
  // Four: front 0 plus one of front 1; both of front 1 are boundary points
  // (∞), so the lower index wins.
  EXPECT_THAT(SelectSurvivors(kPoints, {}, 4), ElementsAre(0, 1, 3, 5));
  // The middle of a front goes first when it is cut.
  EXPECT_THAT(SelectSurvivors(kPoints, {}, 2), ElementsAre(1, 5));
  EXPECT_EQ(SelectSurvivors(kPoints, {}, 99).size(), kPoints.size());
}

TEST(SelectSurvivors, InfeasibleMembersGoFirst) {
  // (1,4) violates a constraint: it drops out before any feasible member.
  const std::vector<double> violations = {0, 0.5, 0, 0, 0, 0};
  EXPECT_THAT(SelectSurvivors(kPoints, violations, 5),
              ElementsAre(0, 2, 3, 4, 5));
}

}  // namespace
}  // namespace nasprune::controller
