#include "worker/evaluator/evaluator.h"

#include <filesystem>

#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"

namespace nasprune::worker {
namespace {

using testing::TempDir;

// A request for the toy IDX set written under <root>/toy.
v1::EvaluateRequest ToyRequest(int epochs) {
  v1::EvaluateRequest request;
  request.set_trial_id("job-0/1");
  EXPECT_TRUE(
      LoadYamlFile("examples/genomes/two-conv.yaml", request.mutable_genome())
          .ok());
  v1::JobSpec spec;
  spec.set_name("t");
  auto* d = spec.mutable_dataset();
  d->set_name("toy");
  d->set_path("/placeholder");
  d->set_format(v1::DATASET_FORMAT_IDX);
  d->mutable_shape()->set_channels(1);
  d->mutable_shape()->set_height(8);
  d->mutable_shape()->set_width(8);
  d->set_num_classes(4);
  spec.mutable_recipe()->set_epochs(epochs);
  spec.mutable_recipe()->set_batch_size(32);
  spec.mutable_recipe()->set_learning_rate(0.05);
  jobspec::ApplyJobDefaults(&spec);
  EXPECT_TRUE(jobspec::ValidateJobSpec(spec).ok())
      << jobspec::ValidateJobSpec(spec);
  *request.mutable_dataset() = spec.dataset();
  request.mutable_dataset()->clear_path();
  *request.mutable_recipe() = spec.recipe();
  request.set_latency_repeats(3);
  request.set_latency_batch_size(8);
  return request;
}

EvaluatorOptions OptionsFor(const TempDir& root) {
  EvaluatorOptions options;
  options.dataset_search_path = {root.path()};
  options.threads = 2;
  return options;
}

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
  EXPECT_EQ(result->evaluator_version(), "libtorch-1");
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
