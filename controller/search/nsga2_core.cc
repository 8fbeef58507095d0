#include "controller/search/nsga2_core.h"

#include <algorithm>
#include <numeric>

namespace nasprune::controller {

RankedPopulation RankPopulation(const std::vector<Objectives>& points,
                                const std::vector<double>& violations) {
  RankedPopulation ranked;
  ranked.rank.assign(points.size(), 0);
  ranked.crowding.assign(points.size(), 0);
  const auto fronts = NonDominatedSort(points, violations);
  for (size_t f = 0; f < fronts.size(); ++f) {
    const std::vector<double> distance = CrowdingDistance(points, fronts[f]);
    for (size_t i = 0; i < fronts[f].size(); ++i) {
      ranked.rank[fronts[f][i]] = static_cast<int>(f);
      ranked.crowding[fronts[f][i]] = distance[i];
    }
  }
  return ranked;
}

bool CrowdedBetter(const RankedPopulation& ranked, size_t a, size_t b) {
  if (ranked.rank[a] != ranked.rank[b]) return ranked.rank[a] < ranked.rank[b];
  return ranked.crowding[a] > ranked.crowding[b];
}

size_t CrowdedTournament(const RankedPopulation& ranked, Rng& rng) {
  const size_t n = ranked.rank.size();
  const size_t a = rng.Uniform(n);
  const size_t b = rng.Uniform(n);
  return CrowdedBetter(ranked, b, a) ? b : a;
}

std::vector<size_t> SelectSurvivors(const std::vector<Objectives>& points,
                                    const std::vector<double>& violations,
                                    size_t count) {
  count = std::min(count, points.size());
  std::vector<size_t> kept;
  for (const std::vector<size_t>& front :
       NonDominatedSort(points, violations)) {
    if (kept.size() + front.size() <= count) {
      kept.insert(kept.end(), front.begin(), front.end());
      if (kept.size() == count) break;
      continue;
    }
    const std::vector<double> distance = CrowdingDistance(points, front);
    std::vector<size_t> order(front.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return distance[a] > distance[b];
    });
    for (size_t i = 0; kept.size() < count; ++i) {
      kept.push_back(front[order[i]]);
    }
    break;
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace nasprune::controller
