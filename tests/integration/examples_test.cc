// Every job spec under examples/ submitted to the real service (redis-server,
// the controller and two LibTorch workers) with its budget shrunk: a few
// trials of at most three epochs on a 512-image subset. Each must be
// accepted as written and end SUCCEEDED with models exported, so an example
// can never go stale against the code. An example on a data set this
// machine does not have (CIFAR-10) must fail its trials with the error
// that names the folder. An example on the user's own data names a folder
// that is not here: the test makes one of the shape and classes the spec
// gives (IDX files of random images) and points the spec at it.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/load_job_spec.h"
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

void BigEndian(uint32_t v, std::ofstream& out) {
  for (int shift : {24, 16, 8, 0}) out.put(static_cast<char>(v >> shift));
}

// An IDX data set folder (training and test splits) of random images of the
// spec's shape, each class brighter than the last so there is something to
// learn.
std::string MakeOwnData(const v1::DatasetSpec& d) {
  const std::string dir =
      absl::StrCat(std::filesystem::temp_directory_path().string(),
                   "/nasprune_own_data_", getpid());
  std::filesystem::create_directories(dir);
  std::mt19937 random(7);
  const int c = d.shape().channels(), h = d.shape().height(),
            w = d.shape().width();
  for (const auto& [prefix, count] :
       {std::pair{"train", 600}, std::pair{"t10k", 100}}) {
    std::ofstream images(absl::StrCat(dir, "/", prefix, "-images-idx3-ubyte"),
                         std::ios::binary);
    std::ofstream labels(absl::StrCat(dir, "/", prefix, "-labels-idx1-ubyte"),
                         std::ios::binary);
    BigEndian(c == 1 ? 0x00000803 : 0x00000804, images);
    for (int v : {count, h, w}) BigEndian(v, images);
    if (c != 1) BigEndian(c, images);
    BigEndian(0x00000801, labels);
    BigEndian(count, labels);
    for (int n = 0; n < count; ++n) {
      const int label = n % d.num_classes();
      labels.put(static_cast<char>(label));
      const int base = 200 * label / d.num_classes();
      for (int i = 0; i < c * h * w; ++i) {
        images.put(static_cast<char>(base + random() % 56));
      }
    }
  }
  return dir;
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
  std::vector<std::string> made;
  for (const std::string& path : paths) {
    absl::StatusOr<v1::JobSpec> spec = jobspec::LoadJobSpec(path);
    ASSERT_TRUE(spec.ok()) << spec.status();
    if (const std::string& data = spec->dataset().path();
        !data.empty() && !std::filesystem::exists(data)) {
      made.push_back(MakeOwnData(spec->dataset()));
      spec->mutable_dataset()->set_path(made.back());
    }
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
  EXPECT_EQ(made.size(), 1u) << "examples/own-data.yaml names a folder that "
                                "is not on this machine";
  for (const std::string& dir : made) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nasprune::testing
