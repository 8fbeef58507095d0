#include "controller/search/pareto.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace nasprune::controller {
namespace {

// Points strictly inside the reference box, without duplicates of dominated
// ones removed: only the non-dominated set contributes volume.
std::vector<Objectives> Contributing(const std::vector<Objectives>& points,
                                     const Objectives& reference) {
  std::vector<Objectives> inside;
  for (const Objectives& p : points) {
    bool ok = p.size() == reference.size();
    for (size_t i = 0; ok && i < p.size(); ++i) ok = p[i] < reference[i];
    if (ok) inside.push_back(p);
  }
  std::vector<Objectives> front;
  for (size_t i : ParetoIndices(inside)) front.push_back(inside[i]);
  // Equal points count once.
  std::sort(front.begin(), front.end());
  front.erase(std::unique(front.begin(), front.end()), front.end());
  return front;
}

double Hypervolume2d(std::vector<Objectives> front,
                     const Objectives& reference) {
  // Non-dominated and sorted by the first objective: the second decreases.
  std::sort(front.begin(), front.end());
  double volume = 0;
  for (size_t i = 0; i < front.size(); ++i) {
    const double right = i + 1 < front.size() ? front[i + 1][0] : reference[0];
    volume += (right - front[i][0]) * (reference[1] - front[i][1]);
  }
  return volume;
}

// HSO: slice along the last objective; each slab's volume is the
// (d−1)-dimensional hypervolume of the points below it times its depth.
double HypervolumeNd(std::vector<Objectives> front,
                     const Objectives& reference) {
  const size_t d = reference.size();
  if (front.empty()) return 0;
  if (d == 1) return reference[0] - front[0][0];
  if (d == 2) return Hypervolume2d(std::move(front), reference);
  std::sort(front.begin(), front.end(),
            [d](const Objectives& a, const Objectives& b) {
              return a[d - 1] < b[d - 1];
            });
  const Objectives lower_reference(reference.begin(), reference.end() - 1);
  double volume = 0;
  std::vector<Objectives> slice;
  for (size_t i = 0; i < front.size(); ++i) {
    slice.emplace_back(front[i].begin(), front[i].end() - 1);
    const double top =
        i + 1 < front.size() ? front[i + 1][d - 1] : reference[d - 1];
    const double depth = top - front[i][d - 1];
    if (depth <= 0) continue;
    std::vector<Objectives> base;
    for (size_t j : ParetoIndices(slice)) base.push_back(slice[j]);
    volume += depth * HypervolumeNd(std::move(base), lower_reference);
  }
  return volume;
}

}  // namespace

bool Dominates(const Objectives& a, const Objectives& b) {
  bool better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    better = better || a[i] < b[i];
  }
  return better;
}

bool ConstrainedDominates(const Objectives& a, double violation_a,
                          const Objectives& b, double violation_b) {
  const bool feasible_a = violation_a <= 0;
  const bool feasible_b = violation_b <= 0;
  if (feasible_a && feasible_b) return Dominates(a, b);
  if (feasible_a != feasible_b) return feasible_a;
  return violation_a < violation_b;
}

std::vector<std::vector<size_t>> NonDominatedSort(
    const std::vector<Objectives>& points,
    const std::vector<double>& violations) {
  const size_t n = points.size();
  auto dominates = [&](size_t a, size_t b) {
    return violations.empty() ? Dominates(points[a], points[b])
                              : ConstrainedDominates(points[a], violations[a],
                                                     points[b], violations[b]);
  };
  std::vector<std::vector<size_t>> dominated(n);
  std::vector<size_t> count(n, 0);
  std::vector<std::vector<size_t>> fronts(1);
  for (size_t p = 0; p < n; ++p) {
    for (size_t q = p + 1; q < n; ++q) {
      if (dominates(p, q)) {
        dominated[p].push_back(q);
        ++count[q];
      } else if (dominates(q, p)) {
        dominated[q].push_back(p);
        ++count[p];
      }
    }
  }
  for (size_t p = 0; p < n; ++p) {
    if (count[p] == 0) fronts[0].push_back(p);
  }
  while (!fronts.back().empty()) {
    std::vector<size_t> next;
    for (size_t p : fronts.back()) {
      for (size_t q : dominated[p]) {
        if (--count[q] == 0) next.push_back(q);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(next));
  }
  fronts.pop_back();
  return fronts;
}

std::vector<double> CrowdingDistance(const std::vector<Objectives>& points,
                                     const std::vector<size_t>& front) {
  const size_t n = front.size();
  std::vector<double> distance(n, 0);
  if (n == 0) return distance;
  const double infinity = std::numeric_limits<double>::infinity();
  const size_t objectives = points[front[0]].size();
  std::vector<size_t> order(n);
  for (size_t m = 0; m < objectives; ++m) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return points[front[a]][m] < points[front[b]][m];
    });
    const double low = points[front[order.front()]][m];
    const double high = points[front[order.back()]][m];
    distance[order.front()] = infinity;
    distance[order.back()] = infinity;
    if (high <= low) continue;
    for (size_t i = 1; i + 1 < n; ++i) {
      distance[order[i]] +=
          (points[front[order[i + 1]]][m] - points[front[order[i - 1]]][m]) /
          (high - low);
    }
  }
  return distance;
}

double Hypervolume(const std::vector<Objectives>& points,
                   const Objectives& reference) {
  return HypervolumeNd(Contributing(points, reference), reference);
}

std::vector<size_t> ParetoIndices(const std::vector<Objectives>& points) {
  std::vector<size_t> front;
  for (size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j) {
      dominated = j != i && Dominates(points[j], points[i]);
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

}  // namespace nasprune::controller
