#ifndef NASPRUNE_BENCH_SEARCH_ZDT_H_
#define NASPRUNE_BENCH_SEARCH_ZDT_H_

// The ZDT1–3 two-objective test problems (Zitzler, Deb & Thiele 2000), with
// n variables in [0, 1] taken on a grid of `levels` values, both objectives
// minimized. Their Pareto fronts are known (g = 1, i.e. x2..xn = 0), so the
// hypervolume a search reaches can be compared with the true front's.

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "controller/search/pareto.h"

namespace nasprune::bench {

enum class Zdt { k1, k2, k3 };

inline std::string ZdtName(Zdt z) {
  return z == Zdt::k1 ? "ZDT1" : z == Zdt::k2 ? "ZDT2" : "ZDT3";
}

// f1 = x1; g = 1 + 9·mean(x2..xn); f2 = g·h(f1, g).
inline controller::Objectives ZdtObjectives(Zdt z,
                                            const std::vector<double>& x) {
  const double f1 = x[0];
  double sum = 0;
  for (size_t i = 1; i < x.size(); ++i) sum += x[i];
  const double g = 1 + 9 * sum / static_cast<double>(x.size() - 1);
  const double r = f1 / g;
  double h = 0;
  switch (z) {
    case Zdt::k1:
      h = 1 - std::sqrt(r);
      break;
    case Zdt::k2:
      h = 1 - r * r;
      break;
    case Zdt::k3:
      h = 1 - std::sqrt(r) - r * std::sin(10 * std::numbers::pi * f1);
      break;
  }
  return {f1, g * h};
}

// The true front sampled at `samples` values of f1 on the grid (ZDT3 keeps
// only its non-dominated pieces).
inline std::vector<controller::Objectives> ZdtFront(Zdt z, int samples) {
  std::vector<controller::Objectives> points;
  std::vector<double> x(2, 0.0);
  for (int i = 0; i < samples; ++i) {
    x[0] = static_cast<double>(i) / (samples - 1);
    points.push_back(ZdtObjectives(z, x));
  }
  std::vector<controller::Objectives> front;
  for (size_t i : controller::ParetoIndices(points)) front.push_back(points[i]);
  return front;
}

// The reference point of the hypervolume figures: (1.1, 1.1) for ZDT1/2,
// (1.1, 1.1) also for ZDT3 (whose f2 goes below 0).
inline controller::Objectives ZdtReference() { return {1.1, 1.1}; }

}  // namespace nasprune::bench

#endif  // NASPRUNE_BENCH_SEARCH_ZDT_H_
