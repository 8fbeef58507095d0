// Scenarios 1 and 2 of the distributed service (issue 6), with LibTorch
// workers training on a Fashion-MNIST subset: a small real job completes
// with a record for every trial, a Pareto front and a model that downloads
// and loads in Python; submitting it again trains nothing; a promotion
// continues on another worker from the parents they share.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/model_download.h"
#include "common/jobspec/states.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

// A small joint space, so that each trial trains in about a second.
constexpr char kRealJob[] = R"(
name: real-job
dataset:
  name: fashion-mnist
  train_subset: 512
  validation_subset: 256
space:
  stem_channels: [8, 12]
  stem_kernels: [3]
  min_stages: 2
  max_stages: 2
  stages:
    - {channels: [8, 16], downsample: [max_pool], min_blocks: 1, max_blocks: 1}
    - {channels: [16, 24], downsample: [max_pool], min_blocks: 1, max_blocks: 1}
  operators: [conv, depthwise_separable]
  kernels: [3]
  activations: [relu]
  pruning:
    criteria: [l1, bn_scale]
    keep_ratio: {min: 0.5, max: 1.0, step: 0.25}
    finetune_epochs: [1]
strategy:
  evolution: {population_size: 4, sample_size: 2}
objectives:
  - metric: accuracy
budget:
  max_trials: 12
recipe:
  epochs: 1
  batch_size: 64
seed: 7
export:
  top_k: 1
)";

// Runs a Python script with Debian's python3-torch; its exit status.
int RunPython(const std::string& arguments) {
  const std::string command =
      absl::StrCat("/usr/bin/python3 ", arguments, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  std::string output;
  while (fgets(buffer, sizeof(buffer), pipe)) output += buffer;
  const int status = pclose(pipe);
  std::cerr << output;
  return status;
}

TEST(RealJob, CompletesWithRecordsAFrontAndAModelThatLoads) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch"});
  cluster.AddWorker({.evaluator = "libtorch"});
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(kRealJob);
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::minutes(8));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.ControllerLog();
  ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->message();

  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job->job_id());
  ASSERT_TRUE(trials.ok()) << trials.status();
  // 12 search trials and one export trial, each recorded once, in order.
  ASSERT_EQ(trials->size(), 13u);
  int succeeded = 0;  // Search trials.
  for (size_t i = 0; i < trials->size(); ++i) {
    const v1::TrialRecord& trial = (*trials)[i];
    EXPECT_EQ(trial.index(), static_cast<int64_t>(i));
    EXPECT_EQ(trial.trial_id(), absl::StrCat(job->job_id(), "/", i));
    EXPECT_TRUE(jobspec::IsFinal(trial.state())) << trial.DebugString();
    if (trial.state() != v1::TRIAL_STATE_SUCCEEDED) continue;
    succeeded += i < 12;
    EXPECT_FALSE(trial.result().synthetic());
    EXPECT_GT(trial.result().val_accuracy(), 0.1) << trial.trial_id();
    EXPECT_FALSE(trial.worker().empty());
  }
  EXPECT_GE(succeeded, 10);
  // The counts are the search's; the export is counted apart.
  EXPECT_EQ(done->trials().total(), 12);
  EXPECT_EQ(done->trials().succeeded(), succeeded);
  EXPECT_EQ(done->trials().exports(), 1);
  EXPECT_EQ(done->trials().exported(), 1);
  EXPECT_EQ(done->message().rfind("12 trials: ", 0), 0u) << done->message();

  v1::GetParetoFrontRequest front_request;
  front_request.set_job_id(job->job_id());
  v1::ParetoFront front;
  grpc::ClientContext context;
  ASSERT_TRUE(
      cluster.api().GetParetoFront(&context, front_request, &front).ok());
  ASSERT_FALSE(front.points().empty());
  // The export trial carries the model and a test-split accuracy.
  const v1::TrialRecord& exported = trials->back();
  EXPECT_EQ(exported.promoted_from(), front.points(0).trial_id());
  EXPECT_TRUE(exported.result().has_test_accuracy());
  ASSERT_TRUE(front.points(0).has_model());

  // Downloaded as the CLI does it: size and SHA-256 checked.
  const std::string path = cluster.dir() + "/downloaded.pt";
  absl::StatusOr<cli::DownloadedModel> model =
      cli::DownloadModel(cluster.api(), front.points(0).trial_id(), path);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_GT(model->bytes, 0);
  EXPECT_EQ(model->sha256, exported.result().artifact_sha256());
  // Loads and runs in Python (Debian's python3-torch).
  EXPECT_EQ(RunPython(absl::StrCat(
                "-c \"import torch; m = torch.jit.load('", path,
                "'); y = m(torch.zeros(2, 1, 28, 28)); assert tuple(y.shape) "
                "== (2, 10), y.shape\"")),
            0);
  // The scored model is the delivered one: the export scored the search
  // trial's own weights, and Python gets the same test accuracy from them.
  const v1::TrialRecord& source =
      (*trials)[std::stoll(exported.promoted_from().substr(
          exported.promoted_from().rfind('/') + 1))];
  EXPECT_TRUE(exported.result().kept_model());
  EXPECT_EQ(exported.result().artifact_sha256(),
            source.result().artifact_sha256());
  EXPECT_EQ(exported.result().val_accuracy(), source.result().val_accuracy());
  EXPECT_EQ(RunPython(absl::StrCat("scripts/score_model.py ", path,
                                   " /usr/share/datasets/fashion-mnist ",
                                   exported.result().test_accuracy())),
            0);

  // Once the job has ended, a search trial off the front and not exported
  // no longer has a model, and nothing is left behind.
  const v1::TrialRecord* off_front = nullptr;
  for (const v1::TrialRecord& trial : *trials) {
    bool on_front = false;
    for (const v1::ParetoPoint& point : front.points()) {
      on_front |= point.trial_id() == trial.trial_id();
    }
    if (!on_front && trial.promoted_from().empty() &&
        trial.state() == v1::TRIAL_STATE_SUCCEEDED) {
      off_front = &trial;
      break;
    }
  }
  ASSERT_NE(off_front, nullptr);
  // Retention runs once the job's end is in the store, moments after it.
  auto archives = [&] {
    int n = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(cluster.artifact_dir())) {
      n += entry.path().extension() == ".pt";
    }
    return n;
  };
  for (int i = 0; i < 100 && archives() > front.points_size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Only the kept models remain in the artifact directory.
  EXPECT_EQ(archives(), front.points_size());
  const std::string none_path = cluster.dir() + "/none.pt";
  EXPECT_EQ(cli::DownloadModel(cluster.api(), off_front->trial_id(), none_path)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(none_path));
  EXPECT_FALSE(std::filesystem::exists(none_path + ".part"));
}

TEST(RealJob, AWallBudgetStopsTheSearchAndExportsTheBestModelsSoFar) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch"});
  cluster.AddWorker({.evaluator = "libtorch"});
  std::string spec = kRealJob;
  spec.replace(spec.find("max_trials: 12"), 14,
               "max_trials: 1000\n  max_wall_seconds: 15");
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(spec);
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.ControllerLog();
  ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->message();
  EXPECT_EQ(
      done->message().rfind("stopped at budget.max_wall_seconds (15 s)", 0), 0u)
      << done->message();
  EXPECT_LT(done->trials().total(), 1000);
  EXPECT_EQ(done->trials().exported(), 1) << done->message();
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job->job_id());
  ASSERT_TRUE(trials.ok()) << trials.status();
  const v1::TrialRecord& exported = trials->back();
  ASSERT_FALSE(exported.promoted_from().empty());
  EXPECT_EQ(exported.state(), v1::TRIAL_STATE_SUCCEEDED);
  EXPECT_TRUE(exported.result().kept_model());
  EXPECT_TRUE(exported.result().has_test_accuracy());
  const std::string path = cluster.dir() + "/best.pt";
  ASSERT_TRUE(
      cli::DownloadModel(cluster.api(), exported.promoted_from(), path).ok());
}

// Workers that share a parent directory (serve --parent-dir): a promotion
// continues from the epochs its lower rung trained on another worker. Worker
// 0 runs the first rung alone and is killed once a promotion exists; worker
// 1 runs the rest.
TEST(RealJob, APromotionContinuesOnAnotherWorkerThroughSharedParents) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch", .shared_parents = true});
  std::string spec = kRealJob;
  spec.replace(spec.find("max_trials: 12"), 14, "max_trials: 6");
  spec.replace(spec.find("epochs: 1\n"), 10, "epochs: 3\n");
  spec.replace(spec.find("top_k: 1"), 8, "top_k: 0");
  spec +=
      "multi_fidelity: {method: asha, resource: epochs, reduction_factor: 3, "
      "min_resource: 1}\n";
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(spec);
  ASSERT_TRUE(job.ok()) << job.status();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(4);
  bool promoted = false;
  while (!promoted && std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<std::vector<v1::TrialRecord>> trials =
        cluster.Trials(job->job_id(), 100);
    ASSERT_TRUE(trials.ok()) << trials.status();
    for (const v1::TrialRecord& t : *trials) {
      promoted = promoted || !t.promoted_from().empty();
    }
    if (!promoted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(promoted) << cluster.ControllerLog();
  cluster.KillWorker(0, SIGKILL);
  cluster.AddWorker({.evaluator = "libtorch", .shared_parents = true});

  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::minutes(4));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.ControllerLog();
  ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->message();
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job->job_id());
  ASSERT_TRUE(trials.ok()) << trials.status();
  std::map<std::string, const v1::TrialRecord*> by_id;
  for (const v1::TrialRecord& t : *trials) by_id[t.trial_id()] = &t;
  int crossed = 0;
  for (const v1::TrialRecord& t : *trials) {
    if (t.promoted_from().empty()) continue;
    ASSERT_EQ(t.state(), v1::TRIAL_STATE_SUCCEEDED) << t.trial_id();
    const v1::TrialRecord& source = *by_id.at(t.promoted_from());
    if (t.worker() == source.worker()) continue;
    ++crossed;
    EXPECT_EQ(t.result().resumed_epochs(), source.fidelity().epochs())
        << t.trial_id() << " on " << t.worker() << ", from "
        << source.trial_id() << " on " << source.worker();
  }
  EXPECT_GE(crossed, 1);
}

TEST(RealJob, ResubmittingTheSameJobTrainsNothing) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch"});
  // One slot, so both runs see results in the same order and the strategy
  // proposes the same genomes.
  std::string spec = kRealJob;
  spec.replace(spec.find("max_trials: 12"), 14, "max_trials: 5");
  absl::StatusOr<v1::JobStatus> first = cluster.Submit(spec);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<v1::JobStatus> first_done =
      cluster.WaitForJob(first->job_id(), std::chrono::minutes(8));
  ASSERT_TRUE(first_done.ok()) << first_done.status();
  ASSERT_EQ(first_done->state(), v1::JOB_STATE_SUCCEEDED);
  absl::StatusOr<v1::WorkerStatus> before = cluster.WorkerStatus(0);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_GE(before->evaluations_completed(), 5);

  absl::StatusOr<v1::JobStatus> second = cluster.Submit(spec);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_NE(second->job_id(), first->job_id());
  absl::StatusOr<v1::JobStatus> second_done =
      cluster.WaitForJob(second->job_id(), std::chrono::minutes(2));
  ASSERT_TRUE(second_done.ok()) << second_done.status();
  ASSERT_EQ(second_done->state(), v1::JOB_STATE_SUCCEEDED);

  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(second->job_id());
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 6u);  // 5 search trials and one export.
  for (const v1::TrialRecord& trial : *trials) {
    EXPECT_EQ(trial.state(), v1::TRIAL_STATE_SUCCEEDED) << trial.trial_id();
    EXPECT_TRUE(trial.cache_hit()) << trial.trial_id();
    EXPECT_EQ(trial.attempts(), 0) << trial.trial_id();
  }
  EXPECT_EQ(second_done->trials().cache_hits(), 5);
  EXPECT_EQ(second_done->trials().exported(), 1);
  absl::StatusOr<v1::WorkerStatus> after = cluster.WorkerStatus(0);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->evaluations_completed(), before->evaluations_completed());
  EXPECT_EQ(after->evaluations_failed(), before->evaluations_failed());
}

}  // namespace
}  // namespace nasprune::testing
