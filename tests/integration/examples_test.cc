// Every job spec under examples/ submitted to the real service (redis-server,
// the controller and two LibTorch workers) with its budget shrunk: a few
// trials of at most three epochs on a 512-image subset. Each must be
// accepted as written and end SUCCEEDED with models exported, so an example
// can never go stale against the code. An example on a data set this
// machine does not have (CIFAR-10) must fail its trials with the error
// that names the folder.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/jobspec/job_spec.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

std::vector<std::string> ExampleSpecs() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator("examples")) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".yaml" || ext == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Whether the workers (default roots) have the spec's data set.
bool Installed(const v1::DatasetSpec& dataset) {
  return !dataset.path().empty() ||
         std::filesystem::exists("/usr/share/datasets/" + dataset.name());
}

// The spec with the same search, fidelities and export, on a budget of
// seconds.
v1::JobSpec Shrunk(v1::JobSpec spec) {
  spec.mutable_dataset()->set_train_subset(512);
  spec.mutable_dataset()->set_validation_subset(256);
  v1::Budget& budget = *spec.mutable_budget();
  budget.set_max_trials(std::min(budget.max_trials(), 3));
  // Loaded with its defaults: 0 became the old max_trials.
  budget.set_max_failed_trials(std::min(budget.max_failed_trials(), 3));
  v1::TrainingRecipe& recipe = *spec.mutable_recipe();
  recipe.set_epochs(std::min(recipe.epochs(), 3));
  recipe.set_warmup_epochs(std::min(recipe.warmup_epochs(), 1.0));
  // The loaded spec has its defaults: the rungs end at the new epochs.
  v1::MultiFidelitySpec& fidelity = *spec.mutable_multi_fidelity();
  if (fidelity.resource() == v1::FIDELITY_RESOURCE_EPOCHS &&
      fidelity.max_resource() > 0) {
    fidelity.set_max_resource(
        std::min(fidelity.max_resource(), double(recipe.epochs())));
    fidelity.set_min_resource(std::min(fidelity.min_resource(), 1.0));
  }
  if (spec.export_().top_k() > 1) spec.mutable_export_()->set_top_k(1);
  return spec;
}

TEST(Examples, EveryExampleSpecRunsToSuccessOnAShrunkBudget) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch"});
  cluster.AddWorker({.evaluator = "libtorch"});
  const std::vector<std::string> paths = ExampleSpecs();
  ASSERT_GE(paths.size(), 5u);
  std::vector<std::pair<std::string, std::string>> jobs;  // Path, job id.
  for (const std::string& path : paths) {
    absl::StatusOr<v1::JobSpec> spec = jobspec::LoadJobSpec(path);
    ASSERT_TRUE(spec.ok()) << spec.status();
    absl::StatusOr<v1::JobStatus> job = cluster.Submit(Shrunk(*spec));
    ASSERT_TRUE(job.ok()) << path << ": " << job.status();
    jobs.emplace_back(path, job->job_id());
  }
  for (const auto& [path, job_id] : jobs) {
    absl::StatusOr<v1::JobStatus> done =
        cluster.WaitForJob(job_id, std::chrono::minutes(5));
    ASSERT_TRUE(done.ok()) << path << ": " << done.status();
    absl::StatusOr<std::vector<v1::TrialRecord>> trials =
        cluster.Trials(job_id);
    ASSERT_TRUE(trials.ok()) << trials.status();
    if (!Installed(done->spec().dataset())) {
      // No data set here (CIFAR-10 is not packaged): every trial fails
      // with the error docs/data.md shows, naming the folder it looked in,
      // and the job fails when they reach budget.max_failed_trials.
      EXPECT_EQ(done->state(), v1::JOB_STATE_FAILED) << path;
      for (const v1::TrialRecord& t : *trials) {
        EXPECT_EQ(t.state(), v1::TRIAL_STATE_FAILED) << t.trial_id();
        EXPECT_NE(t.failure().message().find("not found (looked in"),
                  std::string::npos)
            << t.trial_id() << ": " << t.failure().message();
      }
      continue;
    }
    EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED)
        << path << ": " << done->message();
    EXPECT_GE(done->trials().succeeded(), 1) << path;
    if (done->spec().export_().top_k() > 0) {
      EXPECT_GE(done->trials().exported(), 1)
          << path << ": " << done->message();
    }
    for (const v1::TrialRecord& t : *trials) {
      EXPECT_FALSE(t.result().synthetic()) << t.trial_id();
    }
  }
}

}  // namespace
}  // namespace nasprune::testing
