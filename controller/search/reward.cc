#include "controller/search/reward.h"

#include <algorithm>
#include <cmath>

namespace nasprune::controller {
namespace {

constexpr double kDefaultWeight = 0.07;

}  // namespace

double MetricValue(v1::Metric metric, const v1::EvaluationResult& result) {
  switch (metric) {
    case v1::METRIC_ACCURACY:
      return result.val_accuracy();
    case v1::METRIC_PARAMS:
      return static_cast<double>(result.params());
    case v1::METRIC_MACS:
      return static_cast<double>(result.macs());
    case v1::METRIC_LATENCY_MS:
      return result.latency().batch1_ms();
    case v1::METRIC_MODEL_BYTES:
      return static_cast<double>(result.model_bytes());
    default:
      return 0;
  }
}

Objectives ObjectiveVector(const std::vector<v1::Objective>& objectives,
                           const v1::EvaluationResult& result) {
  Objectives values;
  for (const v1::Objective& o : objectives) {
    const double v = MetricValue(o.metric(), result);
    values.push_back(o.metric() == v1::METRIC_ACCURACY ? -v : v);
  }
  return values;
}

double ScalarReward(const std::vector<v1::Objective>& objectives,
                    const v1::EvaluationResult& result) {
  double reward = result.val_accuracy();
  for (const v1::Objective& o : objectives) {
    if (o.metric() == v1::METRIC_ACCURACY || o.target() <= 0) continue;
    const double w = o.has_weight() ? o.weight() : kDefaultWeight;
    // A zero cost (impossible for params and MACs) is treated as tiny.
    const double ratio =
        std::max(MetricValue(o.metric(), result), 1e-12) / o.target();
    reward *= std::pow(ratio, -w);
  }
  return reward;
}

double MeasuredViolation(const v1::Constraints& constraints,
                         const v1::EvaluationResult& result) {
  double violation = 0;
  auto add = [&violation](double value, double limit) {
    if (limit > 0 && value > limit) violation += value / limit - 1;
  };
  add(result.latency().batch1_ms(), constraints.max_latency_ms());
  add(static_cast<double>(result.model_bytes()),
      static_cast<double>(constraints.max_model_bytes()));
  return violation;
}

}  // namespace nasprune::controller
