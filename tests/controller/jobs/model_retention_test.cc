// Model retention over a registry of real jobs and a real artifact
// directory: what an ended job no longer needs is deleted, what it or
// another job keeps or uses stays.

#include "controller/jobs/model_retention.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/artifacts/artifacts.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller {
namespace {

using testing::ResultFor;
using testing::Spec;

class ModelRetentionTest : public ::testing::Test {
 protected:
  ModelRetentionTest() {
    char pattern[] = "/tmp/nasprune-retention-XXXXXX";
    dir_ = mkdtemp(pattern);
    absl::StatusOr<std::unique_ptr<JobRegistry>> registry = JobRegistry::Create(
        {.store = &store_, .clock = &clock_, .artifact_dir = dir_});
    EXPECT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
  }
  ~ModelRetentionTest() override { std::filesystem::remove_all(dir_); }

  Job* Submit(const v1::JobSpec& spec) {
    v1::SubmitJobRequest request;
    *request.mutable_spec() = spec;
    absl::StatusOr<v1::JobStatus> job = registry_->Submit(request);
    EXPECT_TRUE(job.ok()) << job.status();
    absl::MutexLock lock(&registry_->mu());
    for (Job* j : registry_->jobs()) {
      if (j->id() == job->job_id()) {
        j->Start(clock_.Now());
        return j;
      }
    }
    return nullptr;
  }

  // Runs the job's next trial to a result naming model `sha`, whose file
  // is written.
  void RunTrial(Job* job, const std::string& sha) {
    absl::MutexLock lock(&registry_->mu());
    std::optional<int64_t> index = job->NextTrial(1, clock_.Now());
    ASSERT_TRUE(index.has_value());
    const v1::EvaluateRequest request = job->Request(*index, "synthetic-1");
    job->Dispatched(*index, "w", clock_.Now());
    std::ofstream(artifacts::PathFor(dir_, sha)) << sha;
    job->Finished(*index, 1, ResultFor(request, sha), clock_.Now());
  }

  // What the store writer does with the job's changes.
  void Written(Job* job) {
    absl::MutexLock lock(&registry_->mu());
    job->TakeUpdate();
  }

  bool Exists(const std::string& sha) {
    return std::filesystem::exists(artifacts::PathFor(dir_, sha));
  }

  std::string dir_;
  testing::FlakyStore store_;
  nasprune::testing::FakeClock clock_;
  std::unique_ptr<JobRegistry> registry_;
};

TEST_F(ModelRetentionTest, AnEndedJobKeepsItsFrontAndWhatOthersUse) {
  // Accuracy alone: the front is the most accurate trial.
  const std::string objectives = "objectives: [{metric: accuracy}]\n";
  Job* ended = Submit(Spec(objectives, 3));
  Job* running = Submit(Spec(objectives, 3));
  RunTrial(ended, "a0");
  RunTrial(ended, "a1");
  RunTrial(ended, "a2");
  RunTrial(running, "a1");  // The same model, answered from the cache.
  ModelRetention retention(dir_);
  EXPECT_EQ(retention.Run(*registry_), 0);  // Nothing has ended yet.

  std::string front;
  {
    absl::MutexLock lock(&registry_->mu());
    ended->Advance(clock_.Now());
    ASSERT_TRUE(ended->final());
    front = ended->FindTrial(ended->ParetoFront().points(0).trial_id())
                ->result()
                .artifact_sha256();
  }
  // Not before its end is written.
  EXPECT_EQ(retention.Run(*registry_), 0);
  EXPECT_TRUE(Exists("a0") && Exists("a1") && Exists("a2"));
  Written(ended);
  const int deleted = retention.Run(*registry_);
  for (const std::string sha : {"a0", "a1", "a2"}) {
    const bool keep = sha == front || sha == "a1";
    EXPECT_EQ(Exists(sha), keep) << sha;
  }
  EXPECT_EQ(deleted, front == "a1" ? 2 : 1);
  {
    absl::MutexLock lock(&registry_->mu());
    for (const v1::TrialRecord& trial : ended->trials()) {
      const std::string& sha = trial.result().artifact_sha256();
      EXPECT_TRUE(sha.empty() || Exists(sha)) << trial.trial_id();
    }
    // Its own front's model, and the one the running job uses.
    std::set<std::string> expected = {front, "a1"};
    EXPECT_EQ(ended->ModelsUsed(), expected);
  }
  // Looked at once: a later run deletes nothing more.
  EXPECT_EQ(retention.Run(*registry_), 0);
}

TEST_F(ModelRetentionTest, RetainingAllOrWithoutADirectoryDeletesNothing) {
  Job* job = Submit(Spec("export: {top_k: 0, retain_models: all}\n", 2));
  RunTrial(job, "b0");
  RunTrial(job, "b1");
  {
    absl::MutexLock lock(&registry_->mu());
    job->Advance(clock_.Now());
    ASSERT_TRUE(job->final());
  }
  Written(job);
  EXPECT_EQ(ModelRetention("").Run(*registry_), 0);
  EXPECT_EQ(ModelRetention(dir_).Run(*registry_), 0);
  EXPECT_TRUE(Exists("b0"));
  EXPECT_TRUE(Exists("b1"));
}

TEST_F(ModelRetentionTest, AnExportedModelStays) {
  Job* job =
      Submit(Spec("objectives: [{metric: accuracy}]\n"
                  "export: {top_k: 1}\n",
                  2));
  RunTrial(job, "c0");
  RunTrial(job, "c1");
  std::string exported;
  {
    absl::MutexLock lock(&registry_->mu());
    job->Advance(clock_.Now());  // The export phase.
    std::optional<int64_t> index = job->NextTrial(1, clock_.Now());
    ASSERT_TRUE(index.has_value());
    const v1::EvaluateRequest request = job->Request(*index, "synthetic-1");
    exported = request.score_model_sha256();
    ASSERT_FALSE(exported.empty());
    job->Dispatched(*index, "w", clock_.Now());
    v1::EvaluateEvent scored;
    scored.mutable_result()->set_test_accuracy(0.5);
    scored.mutable_result()->set_artifact_sha256(exported);
    job->Finished(*index, 1, scored, clock_.Now());
    job->Advance(clock_.Now());
    ASSERT_TRUE(job->final());
  }
  Written(job);
  EXPECT_EQ(ModelRetention(dir_).Run(*registry_), 1);
  EXPECT_TRUE(Exists(exported));
  EXPECT_NE(Exists("c0"), Exists("c1"));
}

}  // namespace
}  // namespace nasprune::controller
