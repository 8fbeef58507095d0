#ifndef NASPRUNE_CONTROLLER_SEARCH_NSGA2_CORE_H_
#define NASPRUNE_CONTROLLER_SEARCH_NSGA2_CORE_H_

// NSGA-II's selection, generic over the representation (Deb et al. 2002):
// rank and crowding of a population, the crowded binary tournament that picks
// parents, and the environmental selection that keeps the best N of parents
// plus offspring. The genome strategy and the ZDT benchmark both run on it.
//
// Plain C++; not thread-safe.

#include <cstddef>
#include <vector>

#include "common/random/rng.h"
#include "controller/search/pareto.h"

namespace nasprune::controller {

// Non-domination rank (0 = first front) and crowding distance per member.
struct RankedPopulation {
  std::vector<int> rank;
  std::vector<double> crowding;
};

// Ranks `points` (with constraint domination when `violations` is not
// empty) and computes crowding distances within each front.
RankedPopulation RankPopulation(const std::vector<Objectives>& points,
                                const std::vector<double>& violations = {});

// The crowded-comparison operator: lower rank wins, then larger crowding.
bool CrowdedBetter(const RankedPopulation& ranked, size_t a, size_t b);

// Binary tournament: two members drawn uniformly (with replacement), the
// crowded-better one returned; ties go to the first drawn.
size_t CrowdedTournament(const RankedPopulation& ranked, Rng& rng);

// Environmental selection: the indices of the `count` members to keep, whole
// fronts first, the last front cut by descending crowding distance (ties by
// lower index). Returned in ascending order. count is clamped to the size.
std::vector<size_t> SelectSurvivors(const std::vector<Objectives>& points,
                                    const std::vector<double>& violations,
                                    size_t count);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_NSGA2_CORE_H_
