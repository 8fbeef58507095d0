#ifndef NASPRUNE_CONTROLLER_SEARCH_REWARD_H_
#define NASPRUNE_CONTROLLER_SEARCH_REWARD_H_

// What strategies optimize, from a job's objectives (JobSpec.objectives):
// the objective vector NSGA-II minimizes and the scalar reward that
// single-objective strategies (evolution, REINFORCE) maximize.

#include <vector>

#include "controller/search/pareto.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::controller {

// The metric's value in a result (accuracy in [0, 1], costs as measured).
double MetricValue(v1::Metric metric, const v1::EvaluationResult& result);

// One value per objective, in order, each to be minimized: accuracy is
// negated, costs are as measured.
Objectives ObjectiveVector(const std::vector<v1::Objective>& objectives,
                           const v1::EvaluationResult& result);

// MnasNet's reward: accuracy · Π over cost objectives with a target > 0 of
// (value / target)^(−w), w = the objective's weight (default 0.07). Cost
// objectives without a target do not enter it.
double ScalarReward(const std::vector<v1::Objective>& objectives,
                    const v1::EvaluationResult& result);

// The total violation of the constraints only a measurement can check
// (max_latency_ms, max_model_bytes): the sum of (value / limit − 1) over
// those broken. 0 when the result meets them.
double MeasuredViolation(const v1::Constraints& constraints,
                         const v1::EvaluationResult& result);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SEARCH_REWARD_H_
