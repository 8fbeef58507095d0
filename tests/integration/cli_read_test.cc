// The CLI's read commands (list, status, trials, pareto, workers), cancel
// and watch against the real service, in each --output form, the JSON
// parsed; and their exit codes and messages when something is wrong.

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/cli_run.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

using nlohmann::json;

// A finished synthetic job of `trials` trials, accuracy + params.
class CliReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.Start());
    cluster_.AddWorker({.slots = 2, .synthetic_delay_ms = 20});
    absl::StatusOr<v1::JobStatus> job = cluster_.Submit(absl::StrCat(
        SyntheticJobSpec("reads", "nsga2: {population_size: 4}", kTrials),
        "objectives: [{metric: accuracy}, {metric: params}]\n"));
    ASSERT_TRUE(job.ok()) << job.status();
    job_id_ = job->job_id();
    absl::StatusOr<v1::JobStatus> done =
        cluster_.WaitForJob(job_id_, std::chrono::seconds(60));
    ASSERT_TRUE(done.ok()) << done.status();
    ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED);
  }

  CliRun Run(const std::string& args) {
    return Cli(cluster_, absl::StrCat(args, " ", ControllerFlag(cluster_)));
  }
  // Runs `args`, expects exit 0 and JSON on stdout.
  json RunJson(const std::string& args) {
    const CliRun run = Run(args + " --output json");
    EXPECT_EQ(run.status, 0) << run.output;
    return json::parse(run.stdout_text, nullptr, /*allow_exceptions=*/false);
  }

  static constexpr int kTrials = 6;
  Cluster cluster_;
  std::string job_id_;
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, absl::ByAnyChar("\r\n"), absl::SkipEmpty());
}

TEST_F(CliReadTest, ListShowsTheJobInEveryForm) {
  const json jobs = RunJson("list");
  ASSERT_TRUE(jobs.is_array()) << jobs;
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["job_id"], job_id_);
  EXPECT_EQ(jobs[0]["state"], "JOB_STATE_SUCCEEDED");
  EXPECT_EQ(jobs[0]["trials"]["total"], kTrials);
  EXPECT_TRUE(jobs[0]["last_sequence"].is_number_integer()) << jobs[0];

  const CliRun table = Run("list");
  ASSERT_EQ(table.status, 0) << table.output;
  const std::vector<std::string> lines = Lines(table.stdout_text);
  ASSERT_EQ(lines.size(), 2u) << table.output;
  EXPECT_TRUE(absl::StartsWith(lines[0], "JOB_ID")) << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], job_id_ + "  succeeded")) << lines[1];

  const CliRun csv = Run("list --output csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  EXPECT_TRUE(absl::StartsWith(csv.stdout_text, "job_id,state,trials,"));
  EXPECT_NE(
      csv.stdout_text.find(absl::StrCat(job_id_, ",succeeded,", kTrials, ",")),
      std::string::npos)
      << csv.stdout_text;

  // Filtered by state: nothing running.
  const CliRun running = Run("list --state running,pending");
  ASSERT_EQ(running.status, 0) << running.output;
  EXPECT_EQ(Lines(running.stdout_text).size(), 1u) << running.output;
  const CliRun bad = Run("list --state runing");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--state: \"runing\" is not one of pending, "
                            "running, succeeded, failed, cancelled"),
            std::string::npos)
      << bad.output;
}

TEST_F(CliReadTest, StatusSummarizesTheJob) {
  const CliRun run = Run("status " + job_id_);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.stdout_text.find("state:"), std::string::npos) << run.output;
  EXPECT_NE(run.stdout_text.find("succeeded\n"), std::string::npos);
  bool trials_line = false;
  for (const std::string& line : Lines(run.stdout_text)) {
    trials_line =
        trials_line || (absl::StartsWith(line, "trials:") &&
                        absl::EndsWith(line, absl::StrCat(" ", kTrials)));
  }
  EXPECT_TRUE(trials_line) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("hypervolume:"), std::string::npos);

  const json job = RunJson("status " + job_id_);
  EXPECT_EQ(job["job_id"], job_id_);
  EXPECT_EQ(job["trials"]["succeeded"], kTrials);
  EXPECT_EQ(job["spec"]["budget"]["max_trials"], kTrials);

  const CliRun csv = Run("status " + job_id_ + " -o csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  const std::vector<std::string> lines = Lines(csv.stdout_text);
  ASSERT_EQ(lines.size(), 2u) << csv.output;
  EXPECT_TRUE(absl::StartsWith(lines[0], "job_id,state,message,"));
  EXPECT_TRUE(absl::StartsWith(lines[1], job_id_ + ",succeeded,")) << lines[1];
}

TEST_F(CliReadTest, TrialsSortFilterAndLimit) {
  const json all = RunJson("trials " + job_id_);
  ASSERT_TRUE(all.is_array());
  ASSERT_EQ(all.size(), static_cast<size_t>(kTrials));
  double best = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["index"], static_cast<int>(i));  // Creation order.
    EXPECT_TRUE(all[i]["result"]["params"].is_number_integer());
    best = std::max(best, all[i]["result"]["val_accuracy"].get<double>());
  }
  const json top = RunJson("trials " + job_id_ + " --sort accuracy --top 2");
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0]["result"]["val_accuracy"].get<double>(), best);
  EXPECT_GE(top[0]["result"]["val_accuracy"].get<double>(),
            top[1]["result"]["val_accuracy"].get<double>());

  const json smallest = RunJson("trials " + job_id_ + " --sort params");
  for (size_t i = 1; i < smallest.size(); ++i) {
    EXPECT_LE(smallest[i - 1]["result"]["params"].get<int64_t>(),
              smallest[i]["result"]["params"].get<int64_t>());
  }

  const CliRun csv = Run("trials " + job_id_ + " --top 3 -o csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  const std::vector<std::string> lines = Lines(csv.stdout_text);
  ASSERT_EQ(lines.size(), 4u) << csv.output;
  EXPECT_TRUE(absl::StartsWith(lines[0], "trial_id,state,rung,epochs,"));
  EXPECT_TRUE(absl::StartsWith(lines[1], job_id_ + "/0,succeeded,"));

  const CliRun failed = Run("trials " + job_id_ + " --state failed");
  ASSERT_EQ(failed.status, 0) << failed.output;
  EXPECT_EQ(Lines(failed.stdout_text).size(), 1u) << failed.output;
  const CliRun bad_sort = Run("trials " + job_id_ + " --sort size");
  EXPECT_EQ(bad_sort.status, 2) << bad_sort.output;
  EXPECT_NE(bad_sort.output.find("--sort"), std::string::npos);
}

TEST_F(CliReadTest, ParetoListsTheFrontWithItsHypervolume) {
  const json front = RunJson("pareto " + job_id_);
  ASSERT_FALSE(front["points"].empty()) << front;
  EXPECT_EQ(front["objectives"],
            json::array({"METRIC_ACCURACY", "METRIC_PARAMS"}));
  EXPECT_GT(front["hypervolume"].get<double>(), 0);

  const CliRun table = Run("pareto " + job_id_);
  ASSERT_EQ(table.status, 0) << table.output;
  const std::vector<std::string> lines = Lines(table.stdout_text);
  ASSERT_EQ(lines.size(), front["points"].size() + 2) << table.output;
  EXPECT_TRUE(absl::StartsWith(lines[0], "TRIAL_ID")) << lines[0];
  EXPECT_NE(lines[0].find("ACCURACY"), std::string::npos);
  EXPECT_NE(lines[0].find("PARAMS"), std::string::npos);
  EXPECT_NE(lines.back().find("hypervolume"), std::string::npos);
}

TEST_F(CliReadTest, WorkersShowsTheRegisteredWorker) {
  const json workers = RunJson("workers");
  ASSERT_EQ(workers.size(), 1u) << workers;
  EXPECT_EQ(workers[0]["slots"], 2);
  EXPECT_EQ(workers[0]["busy_slots"], 0);
  EXPECT_EQ(workers[0]["state"], "WORKER_STATE_IDLE");
  EXPECT_EQ(workers[0]["synthetic"], true);
  EXPECT_EQ(workers[0]["device"], "synthetic");

  const CliRun table = Run("workers");
  ASSERT_EQ(table.status, 0) << table.output;
  const std::vector<std::string> lines = Lines(table.stdout_text);
  ASSERT_EQ(lines.size(), 2u) << table.output;
  EXPECT_NE(lines[1].find("idle"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("(synthetic)"), std::string::npos) << lines[1];
}

TEST_F(CliReadTest, WatchOfAFinishedJobPrintsItsSummary) {
  const CliRun run = Run("watch " + job_id_);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.stdout_text.find(absl::StrCat("job ", job_id_, ": SUCCEEDED")),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.stdout_text.find("Pareto front (ACCURACY, PARAMS):"),
            std::string::npos)
      << run.output;
  // Not a terminal: no progress line, no escape codes.
  EXPECT_EQ(run.stdout_text.find('\033'), std::string::npos);
}

TEST_F(CliReadTest, PlotWritesAnSvgThatChromiumRenders) {
  const std::string path = cluster_.dir() + "/pareto.svg";
  const CliRun run = Run(absl::StrCat("plot ", job_id_, " -o ", path));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(
      run.stdout_text.find(absl::StrCat(path, ": ", kTrials, " trials, ")),
      std::string::npos)
      << run.output;
  EXPECT_NE(run.stdout_text.find("1 reference"), std::string::npos);
  // Parsed as XML and screenshotted by headless Chromium: not blank.
  const std::string check =
      absl::StrCat("/usr/bin/python3 tests/cli/check_svg_render.py ", path, " ",
                   cluster_.dir(), "/pareto.png");
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
  const CliRun macs =
      Run(absl::StrCat("plot ", job_id_, " --x macs -o ", path));
  EXPECT_EQ(macs.status, 0) << macs.output;
  const CliRun bad = Run(absl::StrCat("plot ", job_id_, " --x size -o ", path));
  EXPECT_EQ(bad.status, 2) << bad.output;
}

TEST_F(CliReadTest, AnUnknownJobIsOneLineAndExitOne) {
  for (const std::string command :
       {"status", "trials", "pareto", "watch", "cancel"}) {
    const CliRun run = Run(command + " nosuch-000000000000");
    EXPECT_EQ(run.status, 1) << command << ": " << run.output;
    EXPECT_TRUE(run.stdout_text.empty()) << command << ": " << run.output;
    EXPECT_EQ(Lines(run.stderr_text).size(), 1u)
        << command << ": " << run.output;
    EXPECT_TRUE(absl::StartsWith(run.stderr_text, "error: ")) << run.output;
    EXPECT_NE(run.stderr_text.find("nosuch-000000000000"), std::string::npos)
        << command << ": " << run.output;
  }
}

TEST(CliCancel, CancelStopsARunningJobAndWatchExitsThree) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 1, .synthetic_delay_ms = 3000});
  absl::StatusOr<v1::JobStatus> job =
      cluster.Submit(SyntheticJobSpec("long", "random: {}", 50));
  ASSERT_TRUE(job.ok()) << job.status();
  const std::string flag = ControllerFlag(cluster);
  const CliRun cancel = Cli(
      cluster,
      absl::StrCat("cancel ", job->job_id(), " --reason 'seen enough' ", flag));
  ASSERT_EQ(cancel.status, 0) << cancel.output;
  EXPECT_NE(cancel.stdout_text.find("cancelled  seen enough"),
            std::string::npos)
      << cancel.output;
  const CliRun status =
      Cli(cluster, absl::StrCat("status ", job->job_id(), " -o json ", flag));
  ASSERT_EQ(status.status, 0) << status.output;
  const json parsed = json::parse(status.stdout_text, nullptr, false);
  EXPECT_EQ(parsed["state"], "JOB_STATE_CANCELLED") << status.output;
  EXPECT_EQ(parsed["message"], "seen enough");
  // Following a job that ended unsuccessfully exits 3.
  const CliRun watch =
      Cli(cluster, absl::StrCat("watch ", job->job_id(), " ", flag));
  EXPECT_EQ(watch.status, 3) << watch.output;
  EXPECT_NE(watch.output.find("ended CANCELLED: seen enough"),
            std::string::npos)
      << watch.output;
}

TEST(CliWatch, WatchShowsEveryTrialOnceUntilTheEnd) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 2, .synthetic_delay_ms = 300});
  absl::StatusOr<v1::JobStatus> job =
      cluster.Submit(SyntheticJobSpec("watched", "random: {}", 8));
  ASSERT_TRUE(job.ok()) << job.status();
  const CliRun run = Cli(cluster, absl::StrCat("watch ", job->job_id(), " ",
                                               ControllerFlag(cluster)));
  ASSERT_EQ(run.status, 0) << run.output;
  for (int i = 0; i < 8; ++i) {
    const std::string line = absl::StrCat("trial ", job->job_id(), "/", i, " ");
    const size_t first = run.stdout_text.find(line);
    ASSERT_NE(first, std::string::npos) << line << "\n" << run.output;
    EXPECT_EQ(run.stdout_text.find(line, first + 1), std::string::npos)
        << line << " twice\n"
        << run.output;
  }
  EXPECT_NE(run.stdout_text.find("SUCCEEDED"), std::string::npos);
}

}  // namespace
}  // namespace nasprune::testing
