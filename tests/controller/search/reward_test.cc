#include "controller/search/reward.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

v1::Objective Cost(v1::Metric metric, double target, double weight = -1) {
  v1::Objective o;
  o.set_metric(metric);
  o.set_target(target);
  if (weight >= 0) o.set_weight(weight);
  return o;
}

v1::EvaluationResult Result() {
  v1::EvaluationResult r;
  r.set_val_accuracy(0.9);
  r.set_params(20000);
  r.set_macs(1000000);
  r.mutable_latency()->set_batch1_ms(2.5);
  r.set_model_bytes(80000);
  return r;
}

TEST(ObjectiveVector, AccuracyNegatedCostsAsMeasured) {
  v1::Objective accuracy;
  accuracy.set_metric(v1::METRIC_ACCURACY);
  EXPECT_THAT(ObjectiveVector({accuracy, Cost(v1::METRIC_PARAMS, 0),
                               Cost(v1::METRIC_LATENCY_MS, 0),
                               Cost(v1::METRIC_MODEL_BYTES, 0)},
                              Result()),
              ::testing::ElementsAre(-0.9, 20000, 2.5, 80000));
}

TEST(ScalarReward, MnasNetSoftConstraint) {
  // Twice the params target with the default weight 0.07: 0.9 · 2^−0.07.
  EXPECT_DOUBLE_EQ(ScalarReward({Cost(v1::METRIC_PARAMS, 10000)}, Result()),
                   0.9 * std::pow(2.0, -0.07));
  // Two costs multiply; an explicit weight is used.
  EXPECT_DOUBLE_EQ(ScalarReward({Cost(v1::METRIC_PARAMS, 40000, 0.5),
                                 Cost(v1::METRIC_MACS, 1000000)},
                                Result()),
                   0.9 * std::pow(0.5, -0.5));
  // Without a target a cost does not enter the reward.
  EXPECT_DOUBLE_EQ(ScalarReward({Cost(v1::METRIC_MACS, 0)}, Result()), 0.9);
}

}  // namespace
}  // namespace nasprune::controller
