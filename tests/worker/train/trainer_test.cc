#include "worker/train/trainer.h"

#include <thread>

#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"

namespace nasprune::worker {
namespace {

using testing::TempDir;

genome::NetworkPlan SmallPlan(int classes) {
  genome::NetworkPlan plan;
  plan.input = {.channels = 1, .height = 8, .width = 8, .num_classes = classes};
  plan.stem = {.in_channels = 1,
               .out_channels = 8,
               .kernel = 3,
               .height = 8,
               .width = 8};
  genome::BlockPlan block;
  block.name = "stages[0].blocks[0]";
  block.in_channels = 8;
  block.mid_channels = 16;
  block.out_channels = 16;
  block.in_height = block.out_height = 8;
  block.in_width = block.out_width = 8;
  plan.blocks.push_back(block);
  plan.head.in_channels = 16;
  plan.head.classifier = {.in = 16, .out = classes};
  return plan;
}

Datasets ToyData(const TempDir& dir, int n = 600) {
  testing::WriteToyIdx(dir.path(), n, 8, 8, 4, false);
  DataOptions o;
  o.directory = dir.path();
  o.num_classes = 4;
  o.validation_fraction = 0.2;
  return LoadDatasets(o);
}

TrainOptions Quick(int epochs) {
  TrainOptions o;
  o.epochs = epochs;
  o.batch_size = 32;
  o.learning_rate = 0.05;
  o.seed = 3;
  return o;
}

TEST(LearningRateAt, WarmupThenCosineToZero) {
  TrainOptions o;
  o.learning_rate = 1.0;
  o.warmup_epochs = 1;
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 0, 100, 10), 0.1);
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 9, 100, 10), 1.0);
  EXPECT_NEAR(LearningRateAt(o, 10, 100, 10), 1.0, 1e-12);
  EXPECT_NEAR(LearningRateAt(o, 55, 100, 10), 0.5, 1e-12);
  EXPECT_NEAR(LearningRateAt(o, 100, 100, 10), 0.0, 1e-12);
  o.schedule = ScheduleKind::kConstant;
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 80, 100, 10), 1.0);
}

TEST(Train, LearnsAToyTaskWithEitherOptimizer) {
  TempDir dir;
  const Datasets data = ToyData(dir);
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kAdamW}) {
    torch::manual_seed(0);
    Network network(SmallPlan(4));
    TrainOptions o = Quick(4);
    o.optimizer = kind;
    if (kind == OptimizerKind::kAdamW) o.learning_rate = 0.01;
    std::vector<EpochStats> seen;
    const TrainResult r = Train(
        *network, data, o, [&](const EpochStats& e) { seen.push_back(e); },
        nullptr);
    ASSERT_EQ(r.epochs.size(), 4u);
    EXPECT_EQ(seen.size(), 4u);
    EXPECT_LT(r.epochs.back().train_loss, r.epochs.front().train_loss);
    // Chance is 25 %; the bands are easy to tell apart.
    EXPECT_GT(r.epochs.back().val_accuracy, 0.9);
    EXPECT_GT(r.samples_per_second, 0);
  }
}

TEST(Train, SameSeedSameRun) {
  TempDir dir;
  const Datasets data = ToyData(dir, 300);
  auto run = [&] {
    torch::manual_seed(7);
    Network network(SmallPlan(4));
    TrainOptions o = Quick(2);
    o.augment = true;
    o.label_smoothing = 0.1;
    return Train(*network, data, o, nullptr, nullptr).epochs.back().train_loss;
  };
  EXPECT_EQ(run(), run());
}

TEST(Train, CancellationStopsWithinAStep) {
  TempDir dir;
  const Datasets data = ToyData(dir);
  Network network(SmallPlan(4));
  CancellationToken token;
  token.Cancel();
  const TrainResult r = Train(*network, data, Quick(50), nullptr, &token);
  EXPECT_TRUE(r.cancelled);
  EXPECT_TRUE(r.epochs.empty());
  EXPECT_LT(r.seconds, 5);
}

TEST(Train, CancellationFromAnotherThread) {
  TempDir dir;
  const Datasets data = ToyData(dir);
  Network network(SmallPlan(4));
  CancellationToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    token.Cancel();
  });
  const TrainResult r = Train(*network, data, Quick(100000), nullptr, &token);
  canceller.join();
  EXPECT_TRUE(r.cancelled);
}

TEST(Train, WallTimeBudget) {
  TempDir dir;
  const Datasets data = ToyData(dir);
  Network network(SmallPlan(4));
  TrainOptions o = Quick(100000);
  o.max_seconds = 0.3;
  const TrainResult r = Train(*network, data, o, nullptr, nullptr);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.seconds, 10);
}

TEST(Evaluate, RestoresTrainingModeAndScores) {
  TempDir dir;
  const Datasets data = ToyData(dir, 100);
  Network network(SmallPlan(4));
  network->train();
  const Score s = Evaluate(*network, data.validation, 7);
  EXPECT_TRUE(network->is_training());
  EXPECT_GE(s.accuracy, 0.0);
  EXPECT_LE(s.accuracy, 1.0);
  EXPECT_GT(s.loss, 0.0);
}

TEST(RecalibrateBatchNorm, RunningMeanIsTheDataMean) {
  TempDir dir;
  const Datasets data = ToyData(dir);  // 480 training examples.
  Network network(SmallPlan(4));
  network->eval();
  RecalibrateBatchNorm(*network, data.train, /*batches=*/15,
                       /*batch_size=*/32, /*seed=*/1);
  torch::NoGradGuard no_grad;
  const torch::Tensor conv = network->stem_conv(data.train.images);
  EXPECT_TRUE(torch::allclose(network->stem_bn->running_mean,
                              conv.mean({0, 2, 3}), 1e-4, 1e-5));
  EXPECT_FALSE(network->is_training());
  EXPECT_EQ(network->stem_bn->options.momentum(), 0.1);
}

TEST(Train, DistillationAloneTransfersTheTeacher) {
  TempDir dir;
  const Datasets data = ToyData(dir);
  torch::manual_seed(1);
  Network teacher(SmallPlan(4));
  Train(*teacher, data, Quick(4), nullptr, nullptr);
  const double teacher_accuracy =
      Evaluate(*teacher, data.validation, 64).accuracy;
  ASSERT_GT(teacher_accuracy, 0.8);
  torch::manual_seed(2);
  Network student(SmallPlan(4));
  TrainOptions o = Quick(4);
  o.teacher = teacher.get();
  o.distill_weight = 1;  // Labels unused: only the teacher's soft targets.
  teacher->train();
  const TrainResult r = Train(*student, data, o, nullptr, nullptr);
  EXPECT_GT(r.epochs.back().val_accuracy, 0.6);  // Chance is 0.25.
  EXPECT_TRUE(teacher->is_training());           // Its mode is restored.
}

}  // namespace
}  // namespace nasprune::worker
