#include "worker/prune/pruner.h"

#include "common/genome/cost.h"
#include "common/genome/network_plan.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/networks.h"
#include "worker/measure/measure.h"
#include "worker/prune/parent_store.h"

namespace nasprune::worker {
namespace {

genome::NetworkPlan PlanOf(const std::string& yaml) {
  v1::Genome genome;
  EXPECT_TRUE(ParseYamlToMessage(yaml, "g.yaml", &genome).ok());
  const auto plan = genome::BuildNetworkPlan(
      genome, {.channels = 1, .height = 8, .width = 8, .num_classes = 4});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

std::vector<torch::Tensor> Snapshot(NetworkImpl& network) {
  std::vector<torch::Tensor> tensors;
  for (auto& [name, tensor] : CaptureState(network)) tensors.push_back(tensor);
  return tensors;
}

const char kGenome[] = R"(
arch:
  stem: {channels: 64, kernel: 3, activation: relu}
  stages: [{channels: 32, downsample: none, blocks: [{op: conv, kernel: 3, activation: relu}]}]
  head: {hidden_units: 16, activation: relu}
pruning:
  criterion: l1
  keep_ratios: {stem: 0.25, "stages[0].blocks[0]": 0.5}
  finetune_epochs: 2
)";

TEST(KeptAtStep, FollowsTheCubicSchedule) {
  const genome::NetworkPlan plan = PlanOf(kGenome);
  // stem: 64 → 16. r_t = 0.25 + 0.75 (1 − t/3)³: 0.4722, 0.2778, 0.25.
  EXPECT_EQ(KeptAtStep(plan, 1, 3)[0], 30);
  EXPECT_EQ(KeptAtStep(plan, 2, 3)[0], 18);
  EXPECT_EQ(KeptAtStep(plan, 3, 3)[0], 16);
  EXPECT_EQ(KeptAtStep(plan, 1, 1), genome::KeptPerGroup(plan));
  // Unpruned groups stay whole at every step.
  EXPECT_EQ(KeptAtStep(plan, 1, 3)[2], 16);
}

TEST(FinetuneEpochsAtStep, SpreadsEpochsWithTheRemainderLate) {
  EXPECT_EQ(FinetuneEpochsAtStep(5, 1, 3), 1);
  EXPECT_EQ(FinetuneEpochsAtStep(5, 2, 3), 2);
  EXPECT_EQ(FinetuneEpochsAtStep(5, 3, 3), 2);
  EXPECT_EQ(FinetuneEpochsAtStep(2, 1, 1), 2);
  EXPECT_EQ(FinetuneEpochsAtStep(0, 2, 2), 0);
}

// Four separable classes on 8×8 images: class k lights quadrant k.
Datasets QuadrantData(int n) {
  torch::manual_seed(1);
  Datasets d;
  auto make = [](int count) {
    Split s;
    s.labels = torch::randint(0, 4, {count}, torch::kLong);
    s.images = torch::randn({count, 1, 8, 8}) * 0.3;
    for (int i = 0; i < count; ++i) {
      const int64_t k = s.labels[i].item<int64_t>();
      s.images[i][0]
          .slice(0, (k / 2) * 4, (k / 2) * 4 + 4)
          .slice(1, (k % 2) * 4, (k % 2) * 4 + 4)
          .add_(1.5);
    }
    return s;
  };
  d.train = make(n);
  d.validation = make(n / 4);
  d.channels = 1;
  d.height = d.width = 8;
  d.num_classes = 4;
  return d;
}

PruneRequest Request(const genome::NetworkPlan& plan, int steps,
                     double distill) {
  PruneRequest r;
  r.target = plan;
  r.pruning.criterion = genome::Criterion::kTaylor;
  r.pruning.iterative_steps = steps;
  r.pruning.finetune_epochs = 2;
  r.pruning.distill_weight = distill;
  r.finetune.learning_rate = 0.01;
  r.finetune.batch_size = 32;
  r.seed = 3;
  return r;
}

TEST(PruneAndFinetune, ReachesThePlanAndLeavesTheParentAlone) {
  at::set_num_threads(2);
  const genome::NetworkPlan plan = PlanOf(kGenome);
  const Datasets data = QuadrantData(256);
  Network parent = testing::SeededNetwork(genome::UnprunedPlan(plan), 2);
  parent->train();
  const auto before = Snapshot(*parent);
  std::vector<int> prune_steps, finetune_steps;
  int epochs = 0;
  PruneCallbacks callbacks;
  callbacks.on_prune = [&](int step, int) { prune_steps.push_back(step); };
  callbacks.on_finetune = [&](int step, int) {
    finetune_steps.push_back(step);
  };
  callbacks.on_epoch = [&](const EpochStats& e) {
    EXPECT_EQ(e.epoch, ++epochs);
  };
  PruneOutcome out = PruneAndFinetune(*parent, data, Request(plan, 2, 0.5),
                                      callbacks, nullptr);
  ASSERT_FALSE(out.model.is_empty());
  EXPECT_EQ(genome::KeptPerGroup(out.model->plan()),
            genome::KeptPerGroup(plan));
  EXPECT_EQ(MeasureCost(*out.model).params,
            genome::ComputeCost(plan, false).params);
  EXPECT_EQ(prune_steps, (std::vector<int>{1, 2}));
  EXPECT_EQ(finetune_steps, (std::vector<int>{1, 2}));
  EXPECT_EQ(out.finetune_epochs.size(), 2u);
  EXPECT_EQ(epochs, 2);
  EXPECT_GE(out.pruned_val_accuracy, 0);
  const auto after = Snapshot(*parent);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(torch::equal(before[i], after[i])) << i;
  }
}

TEST(PruneAndFinetune, FinetuningRecoversAccuracy) {
  at::set_num_threads(2);
  const genome::NetworkPlan plan = PlanOf(kGenome);
  const Datasets data = QuadrantData(512);
  torch::manual_seed(4);
  Network parent(genome::UnprunedPlan(plan));
  TrainOptions train;
  train.learning_rate = 0.05;
  train.batch_size = 32;
  train.epochs = 3;
  Train(*parent, data, train, nullptr, nullptr);
  const double parent_acc = Evaluate(*parent, data.validation, 256).accuracy;
  ASSERT_GT(parent_acc, 0.9);
  PruneRequest request = Request(plan, 1, 0);
  request.pruning.finetune_epochs = 3;
  request.finetune.learning_rate = 0.02;
  const PruneOutcome out =
      PruneAndFinetune(*parent, data, request, {}, nullptr);
  EXPECT_GT(out.finetune_epochs.back().val_accuracy, 0.9);
  EXPECT_GE(out.finetune_epochs.back().val_accuracy + 1e-9,
            std::min(out.pruned_val_accuracy, 0.9));
}

TEST(PruneAndFinetune, FactorizesTheHeadByEnergy) {
  const genome::NetworkPlan plan = PlanOf(kGenome);
  const Datasets data = QuadrantData(64);
  Network parent = testing::SeededNetwork(genome::UnprunedPlan(plan), 2);
  {
    // A hidden layer of rank 2: energy 0.99 keeps rank 2.
    torch::NoGradGuard no_grad;
    auto& w = parent->hidden->dense->weight;  // 16 × 32.
    w.copy_(torch::matmul(torch::randn({16, 2}), torch::randn({2, 32})));
  }
  PruneRequest request = Request(plan, 1, 0);
  request.target = genome::UnprunedPlan(plan);  // No channel removal.
  request.pruning.criterion = genome::Criterion::kNone;
  request.pruning.finetune_epochs = 0;
  request.pruning.low_rank_energy = 0.99;
  PruneOutcome out = PruneAndFinetune(*parent, data, request, {}, nullptr);
  EXPECT_EQ(out.model->plan().head.hidden.rank, 2);
  // The classifier (4 × 16) does not get cheaper unless rank ≤ 3.
  const int classifier_rank = out.model->plan().head.classifier.rank;
  EXPECT_TRUE(classifier_rank == 0 || classifier_rank <= 3);
  const torch::Tensor x = torch::randn({5, 1, 8, 8});
  torch::NoGradGuard no_grad;
  parent->eval();
  out.model->eval();
  if (classifier_rank == 0) {
    EXPECT_LE(
        (parent->forward(x) - out.model->forward(x)).abs().max().item<double>(),
        1e-4);
  }
}

TEST(PruneAndFinetune, StopsWhenCancelled) {
  const genome::NetworkPlan plan = PlanOf(kGenome);
  const Datasets data = QuadrantData(64);
  Network parent = testing::SeededNetwork(genome::UnprunedPlan(plan), 2);
  CancellationToken cancel;
  cancel.Cancel();
  const PruneOutcome out =
      PruneAndFinetune(*parent, data, Request(plan, 1, 0), {}, &cancel);
  EXPECT_TRUE(out.cancelled);
}

TEST(DistillationLoss, ZeroForEqualLogitsPositiveOtherwise) {
  const torch::Tensor a = torch::randn({8, 4});
  EXPECT_NEAR(DistillationLoss(a, a, 4).item<double>(), 0, 1e-6);
  EXPECT_GT(DistillationLoss(a, torch::randn({8, 4}), 4).item<double>(), 0);
}

}  // namespace
}  // namespace nasprune::worker
