// The `nasprune` CLI's service commands against the real service, as a user
// runs them: `submit --wait` follows a job to its summary (and fails when
// the job does), `export` downloads the model the job scored.

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/artifacts/artifacts.h"
#include "gtest/gtest.h"
#include "tests/integration/cli_run.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

TEST(Cli, SubmitWaitFollowsAJobToItsSummaryAndFront) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 2, .synthetic_delay_ms = 50});
  const std::string spec = WriteSpec(
      cluster, "wait", SyntheticJobSpec("wait", "random: {}", 5, 2, 3));
  const CliRun run = Cli(cluster, absl::StrCat("submit ", spec, " --wait ",
                                               ControllerFlag(cluster)));
  ASSERT_EQ(run.status, 0) << run.output;
  // The job id first, on stdout, for scripts.
  const std::string job_id =
      run.stdout_text.substr(0, run.stdout_text.find('\n'));
  ASSERT_EQ(job_id.rfind("wait-", 0), 0u) << run.output;
  // Every trial as it finished, then the summary and the front.
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(run.output.find(absl::StrCat("trial ", job_id, "/", i)),
              std::string::npos)
        << run.output;
  }
  EXPECT_NE(run.output.find(absl::StrCat("job ", job_id, ": SUCCEEDED")),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("best: "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("Pareto front (ACCURACY):"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("(synthetic)"), std::string::npos) << run.output;
}

TEST(Cli, SubmitWaitFailsWhenTheJobFails) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.fail_all = true});
  const std::string spec = WriteSpec(
      cluster, "doomed",
      "name: doomed\ndataset: {name: fashion-mnist}\nstrategy: {random: {}}\n"
      "budget: {max_trials: 4, max_failed_trials: 1}\nrecipe: {epochs: 1}\n"
      "export: {top_k: 0}\n");
  const CliRun run = Cli(cluster, absl::StrCat("submit ", spec, " --wait ",
                                               ControllerFlag(cluster)));
  EXPECT_EQ(run.status, 3) << run.output;  // The job ended unsuccessfully.
  EXPECT_NE(run.output.find("ended FAILED"), std::string::npos) << run.output;
}

TEST(Cli, ExportDownloadsTheScoredModel) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch"});
  const std::string spec =
      WriteSpec(cluster, "exported", TinyLibtorchSpec("exported"));
  const CliRun submitted =
      Cli(cluster,
          absl::StrCat("submit ", spec, " --wait ", ControllerFlag(cluster)));
  ASSERT_EQ(submitted.status, 0) << submitted.output;
  const std::string job_id =
      submitted.stdout_text.substr(0, submitted.stdout_text.find('\n'));
  absl::StatusOr<std::vector<v1::TrialRecord>> trials = cluster.Trials(job_id);
  ASSERT_TRUE(trials.ok()) << trials.status();
  ASSERT_EQ(trials->size(), 2u);  // The search trial and its export.
  const std::string digest = trials->back().result().artifact_sha256();
  ASSERT_EQ(digest.size(), 64u);

  const std::string path = cluster.dir() + "/model.pt";
  const CliRun exported =
      Cli(cluster, absl::StrCat("export ", job_id, "/0 --output ", path, " ",
                                ControllerFlag(cluster)));
  ASSERT_EQ(exported.status, 0) << exported.output;
  EXPECT_NE(exported.output.find(absl::StrCat("sha256 ", digest)),
            std::string::npos)
      << exported.output;
  absl::StatusOr<std::string> sha = artifacts::FileSha256(path);
  ASSERT_TRUE(sha.ok()) << sha.status();
  EXPECT_EQ(*sha, digest);
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));

  // A job id stands for its best model.
  const std::string best_path = cluster.dir() + "/best.pt";
  const CliRun best =
      Cli(cluster, absl::StrCat("export ", job_id, " --best params -o ",
                                best_path, " ", ControllerFlag(cluster)));
  ASSERT_EQ(best.status, 0) << best.output;
  EXPECT_NE(best.output.find(absl::StrCat("best by params: ", job_id, "/0")),
            std::string::npos)
      << best.output;
  // With the figures of the model downloaded: its export's result.
  const v1::EvaluationResult& export_result = trials->back().result();
  EXPECT_NE(best.output.find(absl::StrFormat(
                "(validation accuracy %.4f, %d params, ",
                export_result.val_accuracy(), export_result.params())),
            std::string::npos)
      << best.output;
  EXPECT_EQ(*artifacts::FileSha256(best_path), digest);
}

}  // namespace
}  // namespace nasprune::testing
