#include "controller/search/pareto_front.h"

#include "gtest/gtest.h"
#include "tests/controller/search/strategy_testing.h"

namespace nasprune::controller {
namespace {

using testing::Objective;

v1::EvaluationResult Result(double accuracy, int64_t params,
                            double latency_ms = 0) {
  v1::EvaluationResult r;
  r.set_val_accuracy(accuracy);
  r.set_params(params);
  r.mutable_latency()->set_batch1_ms(latency_ms);
  return r;
}

JobParetoFront Make(v1::Constraints constraints,
                    std::vector<v1::Objective> objectives = {
                        Objective(v1::METRIC_ACCURACY),
                        Objective(v1::METRIC_PARAMS)}) {
  auto front = JobParetoFront::Create(
      {.objectives = std::move(objectives), .constraints = constraints});
  EXPECT_TRUE(front.ok()) << front.status();
  return *std::move(front);
}

TEST(JobParetoFront, KeepsTheNonDominatedAndTheirHypervolume) {
  v1::Constraints constraints;
  constraints.set_max_params(1000);
  JobParetoFront front = Make(constraints);
  EXPECT_TRUE(front.Add("j/0", "a", Result(0.8, 500)));
  EXPECT_DOUBLE_EQ(front.hypervolume(), 0.8 * 0.5);
  EXPECT_TRUE(front.Add("j/1", "b", Result(0.6, 200)));
  // Normalized points (0.2, 0.5) and (0.4, 0.2) against (1, 1):
  // 0.8·0.5 + 0.6·(0.5 − 0.2) = 0.58.
  EXPECT_DOUBLE_EQ(front.hypervolume(), 0.58);
  EXPECT_FALSE(front.Add("j/2", "c", Result(0.7, 600)));  // Dominated.
  EXPECT_FALSE(front.Add("j/3", "d", Result(0.8, 500)));  // Equal to a.
  EXPECT_EQ(front.size(), 2u);
  EXPECT_TRUE(front.Add("j/4", "e", Result(0.9, 150)));  // Dominates both.
  EXPECT_EQ(front.size(), 1u);
  EXPECT_DOUBLE_EQ(front.hypervolume(), 0.9 * 0.85);

  const v1::ParetoFront proto = front.ToProto("j");
  EXPECT_EQ(proto.job_id(), "j");
  ASSERT_EQ(proto.points_size(), 1);
  EXPECT_EQ(proto.points(0).trial_id(), "j/4");
  EXPECT_EQ(proto.points(0).values(0), 0.9);
  EXPECT_EQ(proto.points(0).values(1), 150);
  EXPECT_EQ(proto.reference_point(0), 0);
  EXPECT_EQ(proto.reference_point(1), 1000);
  EXPECT_EQ(proto.objectives(1), v1::METRIC_PARAMS);
}

TEST(JobParetoFront, PointsComeByAccuracyDescending) {
  JobParetoFront front =
      Make({}, {Objective(v1::METRIC_PARAMS), Objective(v1::METRIC_ACCURACY)});
  front.Add("j/0", "a", Result(0.5, 100));
  front.Add("j/1", "b", Result(0.9, 900));
  front.Add("j/2", "c", Result(0.7, 300));
  const v1::ParetoFront proto = front.ToProto("j");
  ASSERT_EQ(proto.points_size(), 3);
  EXPECT_EQ(proto.points(0).trial_id(), "j/1");
  EXPECT_EQ(proto.points(1).trial_id(), "j/2");
  EXPECT_EQ(proto.points(2).trial_id(), "j/0");
}

TEST(JobParetoFront, MeasuredConstraintBreakersNeverJoin) {
  v1::Constraints constraints;
  constraints.set_max_latency_ms(2);
  JobParetoFront front = Make(constraints, {Objective(v1::METRIC_ACCURACY),
                                            Objective(v1::METRIC_LATENCY_MS)});
  EXPECT_FALSE(front.Add("j/0", "a", Result(0.99, 10, 2.5)));
  EXPECT_TRUE(front.Add("j/1", "b", Result(0.5, 10, 1.0)));
  EXPECT_EQ(front.size(), 1u);
  EXPECT_DOUBLE_EQ(front.hypervolume(), 0.5 * 0.5);
}

TEST(JobParetoFront, ReferenceComesFromTheTargetOrTheLargestValueSeen) {
  JobParetoFront targeted = Make(
      {}, {Objective(v1::METRIC_ACCURACY), Objective(v1::METRIC_PARAMS, 400)});
  targeted.Add("j/0", "a", Result(0.5, 400));
  EXPECT_EQ(targeted.ReferencePoint()[1], 800);
  EXPECT_DOUBLE_EQ(targeted.hypervolume(), 0.25);

  JobParetoFront open = Make({});
  open.Add("j/0", "a", Result(0.5, 100));
  EXPECT_DOUBLE_EQ(open.ReferencePoint()[1], 110);
  // A larger, dominated result moves the reference and the hypervolume.
  EXPECT_TRUE(open.Add("j/1", "b", Result(0.4, 1000)));
  EXPECT_EQ(open.size(), 1u);
  EXPECT_DOUBLE_EQ(open.ReferencePoint()[1], 1100);
  EXPECT_DOUBLE_EQ(open.hypervolume(), 0.5 * (1 - 100.0 / 1100));
}

TEST(JobParetoFront, AcrossRungsEachGenomeCountsAtItsHighestRung) {
  v1::Constraints constraints;
  constraints.set_max_params(1000);
  auto rung = [&](int r) {
    auto front =
        JobParetoFront::Create({.objectives = {Objective(v1::METRIC_ACCURACY),
                                               Objective(v1::METRIC_PARAMS)},
                                .constraints = constraints,
                                .rung = r});
    EXPECT_TRUE(front.ok()) << front.status();
    return *std::move(front);
  };
  std::vector<JobParetoFront> rungs = {rung(0), rung(1)};
  rungs[0].Add("j/0", "a", Result(0.70, 500));
  rungs[0].Add("j/1", "b", Result(0.60, 100));
  rungs[0].Add("j/2", "c", Result(0.80, 900));
  rungs[1].Add("j/3", "a", Result(0.75, 500));  // a, promoted.

  // Before a's promotion is known, its rung-0 point still counts.
  const v1::ParetoFront early =
      JobParetoFront::AcrossRungs(rungs, {{"a", 0}, {"b", 0}, {"c", 0}})
          .ToProto("j");
  std::vector<std::string> ids;
  for (const auto& p : early.points()) ids.push_back(p.trial_id());
  // j/3 (0.75, 500) dominates j/0 (0.70, 500) anyway.
  EXPECT_EQ(ids, (std::vector<std::string>{"j/2", "j/3", "j/1"}));

  // A genome counts only at its highest rung, even when that did worse.
  rungs[1].Add("j/4", "c", Result(0.50, 900));
  const JobParetoFront merged =
      JobParetoFront::AcrossRungs(rungs, {{"a", 1}, {"b", 0}, {"c", 1}});
  const v1::ParetoFront proto = merged.ToProto("j");
  ids.clear();
  std::vector<int> point_rungs;
  for (const auto& p : proto.points()) {
    ids.push_back(p.trial_id());
    point_rungs.push_back(p.rung());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"j/3", "j/1"}));
  EXPECT_EQ(point_rungs, (std::vector<int>{1, 0}));
  EXPECT_EQ(proto.rung(), 1);
  // Normalized (0.25, 0.5) and (0.4, 0.1): 0.75·0.5 + 0.6·0.4 = 0.615.
  EXPECT_DOUBLE_EQ(merged.hypervolume(), 0.615);
  EXPECT_EQ(proto.reference_point(1), 1000);

  // One rung: the front itself.
  EXPECT_EQ(JobParetoFront::AcrossRungs(std::span(rungs).first(1), {})
                .ToProto("j")
                .DebugString(),
            rungs[0].ToProto("j").DebugString());
}

TEST(JobParetoFront, NeedsAnObjective) {
  EXPECT_EQ(JobParetoFront::Create({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::controller
