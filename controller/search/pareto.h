#ifndef NASPRUNE_CONTROLLER_SEARCH_PARETO_H_
#define NASPRUNE_CONTROLLER_SEARCH_PARETO_H_

// Multi-objective bookkeeping shared by NSGA-II, multi-fidelity promotion and
// the job's Pareto front: dominance (with Deb's constraint domination),
// fast non-dominated sorting, crowding distance and hypervolume. Generic over
// the representation: a point is its objective vector, every objective
// minimized (callers negate what they maximize, e.g. accuracy).
//
// Plain C++ with no protobuf, gRPC or LibTorch; not thread-safe.

#include <cstddef>
#include <vector>

namespace nasprune::controller {

using Objectives = std::vector<double>;

// True when `a` Pareto-dominates `b`: no worse in every objective and better
// in at least one. Both must have the same size.
bool Dominates(const Objectives& a, const Objectives& b);

// Deb's constraint domination: a feasible point (violation 0) dominates an
// infeasible one; of two infeasible points the smaller total violation
// dominates; two feasible points compare by Dominates.
bool ConstrainedDominates(const Objectives& a, double violation_a,
                          const Objectives& b, double violation_b);

// Fast non-dominated sorting (Deb et al. 2002): the indices of `points`
// split into fronts, best first; within a front indices are ascending.
// `violations`, when not empty, holds one total constraint violation (≥ 0)
// per point and switches to constraint domination.
std::vector<std::vector<size_t>> NonDominatedSort(
    const std::vector<Objectives>& points,
    const std::vector<double>& violations = {});

// Crowding distance of each member of `front` (indices into `points`), in
// the order of `front`: the sum over objectives of the normalized gap between
// a member's neighbours; the extremes of every objective get +infinity.
std::vector<double> CrowdingDistance(const std::vector<Objectives>& points,
                                     const std::vector<size_t>& front);

// The hypervolume dominated by `points` and bounded by `reference` (every
// objective minimized; points not strictly better than the reference in
// every objective add nothing). Exact: a sweep in two dimensions, recursive
// slicing (HSO) above; meant for fronts of up to a few hundred points.
double Hypervolume(const std::vector<Objectives>& points,
                   const Objectives& reference);

// The indices of the non-dominated points of `points` (first front), in
// ascending order.
std::vector<size_t> ParetoIndices(const std::vector<Objectives>& points);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_PARETO_H_
