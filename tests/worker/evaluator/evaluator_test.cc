#include <filesystem>

#include "common/artifacts/artifacts.h"
#include "common/genome/cost.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "tests/worker/testing/toy_request.h"
#include "worker/data/data_error.h"
#include "worker/evaluator/libtorch_evaluator.h"

namespace nasprune::worker {
namespace {

using testing::OptionsFor;
using testing::TempDir;
using testing::ToyRequest;

TEST(EvaluateGenome, RunsThePipelineAndReportsEveryMetric) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, true);
  v1::EvaluateRequest request = ToyRequest(3);
  request.set_evaluate_test_split(true);
  std::vector<v1::TrialProgress> events;
  const std::string archive = root.File("model.pt");
  const auto result = EvaluateGenome(
      request, archive, OptionsFor(root),
      [&](const v1::TrialProgress& p) { events.push_back(p); }, nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->evaluator_version(), kEvaluatorVersion);
  EXPECT_FALSE(result->synthetic());
  // two-conv has 24,058 params for 10 classes; 4 classes drop 6·(64 + 1).
  EXPECT_EQ(result->params(), 23668);
  EXPECT_GT(result->val_accuracy(), 0.8);
  EXPECT_TRUE(result->has_test_accuracy());
  EXPECT_EQ(result->epochs_size(), 3);
  EXPECT_GT(result->latency().batch1_ms(), 0);
  EXPECT_EQ(result->latency().batch_size(), 8);
  EXPECT_NE(result->latency().device().find("cpu (2 threads)"),
            std::string::npos);
  EXPECT_EQ(result->latency().timing(), "steady-clock");
  EXPECT_GE(result->latency().batch1_p90_ms(), result->latency().batch1_ms());
  EXPECT_GE(result->latency().batch_p90_ms(), result->latency().batch_ms());
  EXPECT_EQ(result->batch_size(), request.recipe().batch_size());
  EXPECT_EQ(result->oom_retries(), 0);
  EXPECT_EQ(result->device_peak_memory_bytes(), 0);  // No device memory.
  EXPECT_GT(result->model_bytes(), 1000);
  EXPECT_EQ(result->artifact_sha256().size(), 64u);
  EXPECT_TRUE(std::filesystem::exists(archive));
  int epoch_events = 0, phases = 0;
  for (const auto& e : events) {
    epoch_events += e.has_epoch();
    phases += !e.has_epoch();
    EXPECT_EQ(e.trial_id(), "job-0/1");
  }
  EXPECT_EQ(epoch_events, 3);
  EXPECT_EQ(phases, 4);  // Setup, train, measure, export.
}

// two-conv with a pruning plan: half the stem, a quarter of the last block.
void AddPlan(v1::EvaluateRequest* request, double last_ratio,
             v1::ImportanceCriterion criterion = v1::IMPORTANCE_CRITERION_L1) {
  auto* pruning = request->mutable_genome()->mutable_pruning();
  pruning->set_criterion(criterion);
  (*pruning->mutable_keep_ratios())["stem"] = 0.5;
  (*pruning->mutable_keep_ratios())["stages[1].blocks[0]"] = last_ratio;
  pruning->set_finetune_epochs(1);
}

TEST(EvaluateGenome, PrunedGenomeTrainsPrunesFinetunesAndMeasures) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, false);
  v1::EvaluateRequest request = ToyRequest(2);
  AddPlan(&request, 0.25);
  request.mutable_genome()->mutable_pruning()->set_quantize_int8(true);
  std::vector<v1::Phase> phases;
  const std::string archive = root.File("pruned.pt");
  const auto result = EvaluateGenome(
      request, archive, OptionsFor(root),
      [&](const v1::TrialProgress& p) {
        if (!p.has_epoch()) phases.push_back(p.phase());
      },
      nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(phases,
            (std::vector<v1::Phase>{v1::PHASE_SETUP, v1::PHASE_TRAIN,
                                    v1::PHASE_PRUNE, v1::PHASE_FINETUNE,
                                    v1::PHASE_MEASURE, v1::PHASE_EXPORT}));
  const auto analytic = genome::ComputeGenomeCost(
      request.genome(),
      {.channels = 1, .height = 8, .width = 8, .num_classes = 4});
  ASSERT_TRUE(analytic.ok());
  EXPECT_TRUE(result->pruned());
  EXPECT_EQ(result->params(), analytic->params);
  EXPECT_EQ(result->macs(), analytic->macs);
  EXPECT_EQ(result->parent_params(), 23668);
  EXPECT_LT(result->params(), result->parent_params() / 2);
  EXPECT_LT(result->macs(), result->parent_macs());
  EXPECT_TRUE(result->has_pruned_val_accuracy());
  EXPECT_GT(result->parent_val_accuracy(), 0.5);
  EXPECT_FALSE(result->parent_reused());
  EXPECT_GT(result->phase_seconds().train(), 0);
  EXPECT_GT(result->phase_seconds().finetune(), 0);
  ASSERT_EQ(result->epochs_size(), 3);
  EXPECT_EQ(result->epochs(2).phase(), v1::PHASE_FINETUNE);
  EXPECT_EQ(result->epochs(2).val_accuracy(), result->val_accuracy());
  EXPECT_GT(result->parent_latency_batch1_ms(), 0);
  if (result->latency().quantization_note().empty()) {
    EXPECT_GT(result->latency().int8_batch1_ms(), 0);
    EXPECT_TRUE(result->has_int8_val_accuracy());
  } else {
    EXPECT_FALSE(result->has_int8_val_accuracy());
  }
  EXPECT_TRUE(std::filesystem::exists(archive));
}

TEST(EvaluateGenome, ReusedParentGivesTheSameResultAsTrainingIt) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, false);
  EvaluatorOptions options = OptionsFor(root);
  options.parents = std::make_shared<ParentStore>(ParentStore::Options{});
  v1::EvaluateRequest first = ToyRequest(2);
  AddPlan(&first, 0.5);
  ASSERT_TRUE(EvaluateGenome(first, "", options, nullptr, nullptr).ok());

  // Another plan of the same architecture skips training.
  v1::EvaluateRequest second = ToyRequest(2);
  AddPlan(&second, 0.25, v1::IMPORTANCE_CRITERION_TAYLOR);
  int train_events = 0;
  const auto reused = EvaluateGenome(
      second, "", options,
      [&](const v1::TrialProgress& p) {
        train_events += p.phase() == v1::PHASE_TRAIN;
      },
      nullptr);
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_TRUE(reused->parent_reused());
  EXPECT_EQ(train_events, 0);
  EXPECT_EQ(reused->phase_seconds().train(), 0);
  EXPECT_EQ(options.parents->hits(), 1);

  // The same evaluation with a fresh store trains the parent: same numbers.
  options.parents = std::make_shared<ParentStore>(ParentStore::Options{});
  const auto fresh = EvaluateGenome(second, "", options, nullptr, nullptr);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_FALSE(fresh->parent_reused());
  EXPECT_EQ(fresh->parent_val_accuracy(), reused->parent_val_accuracy());
  EXPECT_EQ(fresh->val_accuracy(), reused->val_accuracy());
  EXPECT_EQ(fresh->val_loss(), reused->val_loss());

  // A different recipe is a different parent.
  v1::EvaluateRequest other = second;
  other.mutable_recipe()->set_learning_rate(0.02);
  EXPECT_NE(ParentKey(other, "cpu"), ParentKey(second, "cpu"));
  EXPECT_NE(ParentKey(second, "cuda:0"), ParentKey(second, "cpu"));
  // The fine-tuning rate is not part of the parent.
  other = second;
  other.mutable_recipe()->set_finetune_lr_scale(0.5);
  EXPECT_EQ(ParentKey(other, "cpu"), ParentKey(second, "cpu"));
}

TEST(EvaluateGenome, AFidelityOfFewerEpochsScalesFineTuningAlike) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, false);
  // 360 training examples in batches of 32: 12 steps per epoch.
  v1::EvaluateRequest full = ToyRequest(4);
  AddPlan(&full, 0.5);
  full.mutable_genome()->mutable_pruning()->set_finetune_epochs(2);
  v1::EvaluateRequest low = full;
  low.mutable_fidelity()->set_epochs(1);  // A quarter of the recipe's 4.
  for (const auto& [request, samples] :
       {std::pair{full, 360}, std::pair{low, 3 * 32}}) {
    const auto result =
        EvaluateGenome(request, "", OptionsFor(root), nullptr, nullptr);
    ASSERT_TRUE(result.ok()) << result.status();
    int finetune_epochs = 0;
    for (const v1::EpochMetrics& e : result->epochs()) {
      if (e.phase() != v1::PHASE_FINETUNE) continue;
      ++finetune_epochs;
      EXPECT_EQ(e.samples(), samples) << request.fidelity().epochs();
    }
    EXPECT_EQ(finetune_epochs, 2);
  }
}

// The epoch numbers of a result's training curve.
std::vector<int> TrainEpochs(const v1::EvaluationResult& result) {
  std::vector<int> epochs;
  for (const v1::EpochMetrics& e : result.epochs()) {
    if (e.phase() == v1::PHASE_TRAIN) epochs.push_back(e.epoch());
  }
  return epochs;
}

TEST(EvaluateGenome, APromotionContinuesFromTheLowerRungsParent) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, false);
  EvaluatorOptions options = OptionsFor(root);
  options.parents = std::make_shared<ParentStore>(ParentStore::Options{});
  // Rungs of 1, 2 and 4 epochs (the recipe's), with dropout (which draws
  // from torch's generator) and pruning.
  v1::EvaluateRequest rung0 = ToyRequest(4);
  AddPlan(&rung0, 0.5);
  rung0.mutable_genome()->mutable_arch()->mutable_head()->set_dropout(0.3);
  rung0.mutable_fidelity()->set_epochs(1);
  v1::EvaluateRequest rung1 = rung0;
  rung1.mutable_fidelity()->set_epochs(2);
  rung1.mutable_fidelity()->add_resume_epochs(1);
  v1::EvaluateRequest rung2 = rung0;
  rung2.mutable_fidelity()->clear_epochs();  // The recipe's 4.
  rung2.mutable_fidelity()->add_resume_epochs(1);
  rung2.mutable_fidelity()->add_resume_epochs(2);

  const auto low = EvaluateGenome(rung0, "", options, nullptr, nullptr);
  ASSERT_TRUE(low.ok()) << low.status();
  EXPECT_EQ(low->resumed_epochs(), 0);
  EXPECT_GT(low->train_gflops_per_second(), 0);
  int trained = 0;
  auto count = [&](const v1::TrialProgress& p) {
    trained += p.phase() == v1::PHASE_TRAIN && p.has_epoch();
  };
  const auto middle = EvaluateGenome(rung1, "", options, count, nullptr);
  ASSERT_TRUE(middle.ok()) << middle.status();
  // Only the second epoch was trained: the first is the lower rung's own
  // (its duration too), reported like a trained one so that the progress
  // curve is whole.
  EXPECT_EQ(middle->resumed_epochs(), 1);
  EXPECT_EQ(trained, 2);
  EXPECT_EQ(TrainEpochs(*middle), (std::vector<int>{1, 2}));
  EXPECT_EQ(middle->epochs(0).val_accuracy(), low->epochs(0).val_accuracy());
  EXPECT_EQ(middle->epochs(0).seconds(), low->epochs(0).seconds());
  EXPECT_EQ(middle->fidelity().resume_epochs_size(), 1);
  trained = 0;
  const auto top = EvaluateGenome(rung2, "", options, count, nullptr);
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(top->resumed_epochs(), 2);
  EXPECT_EQ(trained, 4);
  EXPECT_EQ(TrainEpochs(*top), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(top->epochs(1).seconds(), middle->epochs(1).seconds());

  // Elsewhere (no stored parents) the top rung trains every segment itself,
  // to the same figures: the result does not depend on where it runs.
  options.parents = std::make_shared<ParentStore>(ParentStore::Options{});
  trained = 0;
  const auto fresh = EvaluateGenome(rung2, "", options, count, nullptr);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->resumed_epochs(), 0);
  EXPECT_EQ(trained, 4);
  EXPECT_NE(fresh->epochs(1).seconds(), middle->epochs(1).seconds());
  EXPECT_EQ(fresh->parent_val_accuracy(), top->parent_val_accuracy());
  EXPECT_EQ(fresh->val_accuracy(), top->val_accuracy());
  EXPECT_EQ(fresh->val_loss(), top->val_loss());
  // ... and it left the boundaries behind for later promotions.
  trained = 0;
  const auto again = EvaluateGenome(rung1, "", options, count, nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->parent_reused());
  EXPECT_EQ(trained, 0);
  EXPECT_EQ(again->val_accuracy(), middle->val_accuracy());

  // A warm restart is not the same training as one schedule over 4 epochs.
  v1::EvaluateRequest scratch = rung2;
  scratch.mutable_fidelity()->clear_resume_epochs();
  EXPECT_NE(ParentKey(scratch, "cpu"), ParentKey(rung2, "cpu"));
  // Defaults resolved: the boundary at 2 epochs names rung 1's parent.
  const auto boundaries = ResumeBoundaries(rung2, "cpu");
  ASSERT_EQ(boundaries.size(), 2u);
  EXPECT_EQ(boundaries[0].key, ParentKey(rung0, "cpu"));
  EXPECT_EQ(boundaries[1].key, ParentKey(rung1, "cpu"));
}

TEST(EvaluateGenome, ResumeEpochsMustAscendBelowTheFidelity) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, false);
  for (const std::vector<int>& resume :
       {std::vector<int>{2, 1}, std::vector<int>{0}, std::vector<int>{3}}) {
    v1::EvaluateRequest request = ToyRequest(3);
    for (int e : resume) request.mutable_fidelity()->add_resume_epochs(e);
    const auto result =
        EvaluateGenome(request, "", OptionsFor(root), nullptr, nullptr);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find(
                  "fidelity.resume_epochs: must ascend within [1, 3)"),
              std::string::npos)
        << result.status();
  }
}

// Trains `request` keeping its model in `artifacts`; the result.
v1::EvaluationResult TrainAndKeep(const TempDir& root,
                                  const std::string& artifacts,
                                  const v1::EvaluateRequest& request) {
  const std::string archive = root.File("kept.pt");
  const auto result =
      EvaluateGenome(request, archive, OptionsFor(root), nullptr, nullptr);
  EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(
      artifacts::Publish(artifacts, archive, result->artifact_sha256()).ok());
  return *result;
}

TEST(ScoreKeptModel, GivesBackTheScoredFiguresAndTheTestAccuracy) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  std::filesystem::create_directories(root.File("artifacts"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, true);
  for (bool pruned : {false, true}) {
    v1::EvaluateRequest request = ToyRequest(2);
    if (pruned) AddPlan(&request, 0.25);
    request.mutable_fidelity()->set_train_subset(300);
    const v1::EvaluationResult trained =
        TrainAndKeep(root, root.File("artifacts"), request);

    v1::EvaluateRequest score = request;
    score.set_score_model_sha256(trained.artifact_sha256());
    score.set_evaluate_test_split(true);
    const auto scored =
        ScoreKeptModel(score, root.File("artifacts"), OptionsFor(root));
    ASSERT_TRUE(scored.ok()) << scored.status();
    EXPECT_TRUE(scored->kept_model());
    EXPECT_EQ(scored->artifact_sha256(), trained.artifact_sha256());
    EXPECT_DOUBLE_EQ(scored->val_accuracy(), trained.val_accuracy()) << pruned;
    ASSERT_TRUE(scored->has_test_accuracy());
    EXPECT_GT(scored->test_accuracy(), 0.5);
    EXPECT_EQ(scored->model_bytes(), trained.model_bytes());
    EXPECT_EQ(scored->epochs_size(), 0);  // Nothing was trained.
  }
}

// A child (its second stage widened) starts from its parent's kept model:
// most of its parameters come from it, and its parent key differs from the
// same child's without inheritance. A model that cannot be read, or a
// request without the model's genome, is an error naming the field.
TEST(EvaluateGenome, AChildInheritsItsParentsKeptModel) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  const std::string artifacts = root.File("artifacts");
  std::filesystem::create_directories(artifacts);
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, true);
  v1::EvaluateRequest parent = ToyRequest(2);
  parent.mutable_fidelity()->set_train_subset(300);
  const v1::EvaluationResult kept = TrainAndKeep(root, artifacts, parent);

  EvaluatorOptions options = OptionsFor(root);
  options.artifact_dir = artifacts;
  v1::EvaluateRequest child = ToyRequest(1);
  child.mutable_fidelity()->set_train_subset(300);
  child.mutable_genome()->mutable_arch()->mutable_stages(1)->set_channels(80);
  v1::EvaluateRequest inheriting = child;
  inheriting.set_inherit_model_sha256(kept.artifact_sha256());
  *inheriting.mutable_inherit_genome() = parent.genome();
  EXPECT_NE(ParentKey(inheriting, "cpu"), ParentKey(child, "cpu"));

  const auto scratch = EvaluateGenome(child, "", options, nullptr, nullptr);
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  EXPECT_EQ(scratch->inherited_fraction(), 0);
  const auto inherited =
      EvaluateGenome(inheriting, "", options, nullptr, nullptr);
  ASSERT_TRUE(inherited.ok()) << inherited.status();
  EXPECT_GT(inherited->inherited_fraction(), 0.3);
  EXPECT_LT(inherited->inherited_fraction(), 1);

  v1::EvaluateRequest gone = inheriting;
  gone.set_inherit_model_sha256(std::string(64, 'a'));
  const auto missing = EvaluateGenome(gone, "", options, nullptr, nullptr);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("inherit_model_sha256"),
            std::string::npos)
      << missing.status();
  const auto no_dir =
      EvaluateGenome(inheriting, "", OptionsFor(root), nullptr, nullptr);
  EXPECT_EQ(no_dir.status().code(), absl::StatusCode::kFailedPrecondition);

  v1::EvaluateRequest orphan = inheriting;
  orphan.clear_inherit_genome();
  const auto refused = EvaluateGenome(orphan, "", options, nullptr, nullptr);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("inherit_genome"),
            std::string::npos)
      << refused.status();
}

TEST(ScoreKeptModel, SaysWhatIsMissingOrDoesNotFit) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  std::filesystem::create_directories(root.File("artifacts"));
  testing::WriteToyIdx(root.File("toy"), 400, 8, 8, 4, true);
  v1::EvaluateRequest request = ToyRequest(1);
  const v1::EvaluationResult trained =
      TrainAndKeep(root, root.File("artifacts"), request);
  v1::EvaluateRequest score = request;
  score.set_score_model_sha256(trained.artifact_sha256());

  const auto no_dir = ScoreKeptModel(score, "", OptionsFor(root));
  EXPECT_EQ(no_dir.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(no_dir.status().message().find("--artifact-dir"),
            std::string::npos);

  v1::EvaluateRequest gone = score;
  gone.set_score_model_sha256(std::string(64, 'a'));
  EXPECT_EQ(ScoreKeptModel(gone, root.File("artifacts"), OptionsFor(root))
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  // Scored on other training examples, the inputs are normalized otherwise.
  v1::EvaluateRequest other = score;
  other.mutable_fidelity()->set_train_subset(50);
  const auto mismatch =
      ScoreKeptModel(other, root.File("artifacts"), OptionsFor(root));
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(mismatch.status().message().find("normalized"), std::string::npos)
      << mismatch.status();
}

TEST(EvaluateGenome, BadPlanIsRejectedBeforeTraining) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 100, 8, 8, 4, false);
  for (double ratio : {0.0, -0.5, 1.5}) {
    v1::EvaluateRequest request = ToyRequest(1);
    AddPlan(&request, ratio);
    int events = 0;
    const auto result = EvaluateGenome(
        request, "", OptionsFor(root),
        [&](const v1::TrialProgress&) { ++events; }, nullptr);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find(
                  "pruning.keep_ratios[\"stages[1].blocks[0]\"]"),
              std::string::npos)
        << result.status();
    EXPECT_EQ(events, 0);
  }
  v1::EvaluateRequest unranked = ToyRequest(1);
  AddPlan(&unranked, 0.5);
  unranked.mutable_genome()->mutable_pruning()->clear_criterion();
  EXPECT_EQ(EvaluateGenome(unranked, "", OptionsFor(root), nullptr, nullptr)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// A c10::Error as LibTorch throws it (the constructor every LibTorch from
// 1.13 on has; what() appends the backtrace after the message).
c10::Error LibTorchError(const std::string& message) {
  return c10::Error(c10::SourceLocation{__func__, __FILE__, __LINE__}, message);
}

TEST(StatusFromException, MapsLibTorchAndDataErrors) {
  const absl::Status oom = StatusFromException(
      LibTorchError("CUDA out of memory. Tried to allocate 2.00 GiB"));
  EXPECT_EQ(oom.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(oom.message().find("Tried to allocate"), std::string::npos);
  EXPECT_EQ(StatusFromException(std::bad_alloc()).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusFromException(DataError("f: truncated")).code(),
            absl::StatusCode::kFailedPrecondition);
  const absl::Status other = StatusFromException(
      LibTorchError("\nshape mismatch in conv2d\nException raised from ..."));
  EXPECT_EQ(other.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(other.message(), "evaluation failed: shape mismatch in conv2d");
}

TEST(EvaluateGenome, InvalidGenomeIsInvalidArgument) {
  TempDir root;
  v1::EvaluateRequest request = ToyRequest(1);
  request.mutable_genome()->mutable_arch()->mutable_stem()->set_kernel(4);
  const auto result =
      EvaluateGenome(request, "", OptionsFor(root), nullptr, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("arch.stem.kernel"),
            std::string::npos);
}

TEST(EvaluateGenome, MissingDataIsFailedPrecondition) {
  TempDir root;
  const auto result =
      EvaluateGenome(ToyRequest(1), "", OptionsFor(root), nullptr, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("data set \"toy\" not found"),
            std::string::npos)
      << result.status();
}

TEST(EvaluateGenome, CorruptDataIsFailedPrecondition) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 100, 8, 8, 4, false);
  std::filesystem::resize_file(root.File("toy/train-images-idx3-ubyte"), 100);
  const auto result =
      EvaluateGenome(ToyRequest(1), "", OptionsFor(root), nullptr, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("truncated"), std::string::npos)
      << result.status();
}

TEST(EvaluateGenome, ShapeMismatchIsReported) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 100, 6, 6, 4, false);
  const auto result =
      EvaluateGenome(ToyRequest(1), "", OptionsFor(root), nullptr, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("the network expects 1x8x8"),
            std::string::npos)
      << result.status();
}

TEST(EvaluateGenome, CancelledBeforeTrainingIsCancelled) {
  TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  testing::WriteToyIdx(root.File("toy"), 100, 8, 8, 4, false);
  CancellationToken token;
  token.Cancel();
  const auto result =
      EvaluateGenome(ToyRequest(5), "", OptionsFor(root), nullptr, &token);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

TEST(EvaluateGenome, UnknownDeviceIsInvalidArgument) {
  TempDir root;
  EvaluatorOptions options = OptionsFor(root);
  options.device = "tpu";
  const auto result =
      EvaluateGenome(ToyRequest(1), "", options, nullptr, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::worker
