// Scenarios 3, 4 and 5 of the distributed service (issue 6): a worker, the
// controller and Redis are killed or stopped in the middle of a job, and the
// job still completes with every trial accounted for once. Synthetic
// workers (labelled as such in every result) keep it fast.

#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "controller/store/redis_store.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

std::string Job(const std::string& name, int max_trials) {
  return SyntheticJobSpec(name,
                          "evolution: {population_size: 8, sample_size: 3}",
                          max_trials, /*epochs=*/2, /*seed=*/11);
}

// Every trial final and SUCCEEDED, indices 0..n−1, each genome once.
void ExpectEveryTrialOnce(const std::vector<v1::TrialRecord>& trials,
                          size_t expected) {
  ASSERT_EQ(trials.size(), expected);
  std::set<std::string> genomes;
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].index(), static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].state(), v1::TRIAL_STATE_SUCCEEDED)
        << trials[i].DebugString();
    EXPECT_TRUE(trials[i].result().synthetic());
    EXPECT_TRUE(genomes.insert(trials[i].genome_hash()).second)
        << "genome " << trials[i].genome_hash() << " counted twice";
  }
}

// Waits for the job to succeed, then checks its trials as above; `done` and
// `trials` receive what was checked.
void ExpectSucceedsWithEveryTrialOnce(Cluster& cluster,
                                      const std::string& job_id,
                                      std::chrono::seconds timeout,
                                      size_t expected, v1::JobStatus* done,
                                      std::vector<v1::TrialRecord>* trials) {
  absl::StatusOr<v1::JobStatus> status = cluster.WaitForJob(job_id, timeout);
  ASSERT_TRUE(status.ok()) << status.status() << cluster.ControllerLog();
  EXPECT_EQ(status->state(), v1::JOB_STATE_SUCCEEDED) << status->message();
  *done = *std::move(status);
  absl::StatusOr<std::vector<v1::TrialRecord>> listed = cluster.Trials(job_id);
  ASSERT_TRUE(listed.ok()) << listed.status();
  *trials = *std::move(listed);
  ExpectEveryTrialOnce(*trials, expected);
}

int Succeeded(const v1::JobStatus& status) {
  return status.trials().succeeded();
}

TEST(Faults, AKilledWorkersTrialRunsElsewhere) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  for (int i = 0; i < 3; ++i) {
    cluster.AddWorker({.synthetic_delay_ms = 1500});
  }
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("kill-worker", 9));
  ASSERT_TRUE(job.ok()) << job.status();
  // Wait for a running trial, then kill its worker.
  std::string victim_trial, victim_worker;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (victim_trial.empty() && std::chrono::steady_clock::now() < end) {
    absl::StatusOr<std::vector<v1::TrialRecord>> trials =
        cluster.Trials(job->job_id());
    ASSERT_TRUE(trials.ok());
    for (const v1::TrialRecord& trial : *trials) {
      if (trial.state() == v1::TRIAL_STATE_RUNNING) {
        victim_trial = trial.trial_id();
        victim_worker = trial.worker();
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(victim_trial.empty());
  ASSERT_EQ(victim_worker.rfind("worker-", 0), 0u);
  cluster.KillWorker(std::stoi(victim_worker.substr(7)), SIGKILL);

  v1::JobStatus done;
  std::vector<v1::TrialRecord> trials;
  ASSERT_NO_FATAL_FAILURE(ExpectSucceedsWithEveryTrialOnce(
      cluster, job->job_id(), std::chrono::seconds(60), 9, &done, &trials));
  for (const v1::TrialRecord& trial : trials) {
    EXPECT_NE(trial.worker(), victim_worker) << trial.trial_id();
    if (trial.trial_id() == victim_trial) {
      EXPECT_EQ(trial.attempts(), 2);
    }
  }
}

TEST(Faults, AJobResumesAfterTheControllerIsKilled) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  constexpr int kWorkers = 2, kSlots = 2;
  for (int i = 0; i < kWorkers; ++i) {
    cluster.AddWorker({.slots = kSlots, .synthetic_delay_ms = 200});
  }
  absl::StatusOr<v1::JobStatus> job =
      cluster.Submit(Job("kill-controller", 40));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(
      cluster
          .WaitForJob(job->job_id(), std::chrono::seconds(30),
                      [](const v1::JobStatus& s) { return Succeeded(s) >= 10; })
          .ok());
  cluster.KillController(SIGKILL);
  ASSERT_TRUE(cluster.StartController());

  v1::JobStatus done;
  std::vector<v1::TrialRecord> trials;
  ASSERT_NO_FATAL_FAILURE(ExpectSucceedsWithEveryTrialOnce(
      cluster, job->job_id(), std::chrono::seconds(90), 40, &done, &trials));
  // Trained evaluations ≤ unique genomes + those in flight at the kill (at
  // most one per slot).
  int64_t trained = 0;
  for (int i = 0; i < kWorkers; ++i) {
    absl::StatusOr<v1::WorkerStatus> status = cluster.WorkerStatus(i);
    ASSERT_TRUE(status.ok());
    trained += status->evaluations_completed();
  }
  EXPECT_GE(trained, 40 - done.trials().cache_hits());
  EXPECT_LE(trained, 40 + kWorkers * kSlots);
}

TEST(Faults, AJobCompletesThroughARedisRestart) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  for (int i = 0; i < 2; ++i) {
    cluster.AddWorker({.slots = 2, .synthetic_delay_ms = 150});
  }
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("restart-redis", 40));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(
      cluster
          .WaitForJob(job->job_id(), std::chrono::seconds(30),
                      [](const v1::JobStatus& s) { return Succeeded(s) >= 8; })
          .ok());
  // What the controller has answered so far must survive.
  absl::StatusOr<std::vector<v1::TrialRecord>> acknowledged =
      cluster.Trials(job->job_id());
  ASSERT_TRUE(acknowledged.ok());
  cluster.redis().Stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Reads are served from memory meanwhile.
  ASSERT_TRUE(cluster.GetJob(job->job_id()).ok());
  ASSERT_TRUE(cluster.redis().Restart());

  v1::JobStatus done;
  std::vector<v1::TrialRecord> trials;
  ASSERT_NO_FATAL_FAILURE(ExpectSucceedsWithEveryTrialOnce(
      cluster, job->job_id(), std::chrono::seconds(90), 40, &done, &trials));
  for (const v1::TrialRecord& before : *acknowledged) {
    if (before.state() != v1::TRIAL_STATE_SUCCEEDED) continue;
    const v1::TrialRecord& after = trials[before.index()];
    EXPECT_EQ(after.genome_hash(), before.genome_hash());
    EXPECT_EQ(after.result().val_accuracy(), before.result().val_accuracy());
  }

  // Redis itself holds the whole job once the controller has written it.
  absl::StatusOr<std::unique_ptr<controller::RedisStore>> store =
      controller::RedisStore::Connect(
          {.redis = {.port = cluster.redis().port()}});
  ASSERT_TRUE(store.ok()) << store.status();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  absl::StatusOr<v1::JobStatus> stored;
  do {
    stored = (*store)->GetJob(job->job_id());
    if (stored.ok() && stored->state() == v1::JOB_STATE_SUCCEEDED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < end);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->state(), v1::JOB_STATE_SUCCEEDED);
  absl::StatusOr<std::vector<v1::TrialRecord>> stored_trials =
      (*store)->ListTrials(job->job_id());
  ASSERT_TRUE(stored_trials.ok());
  ExpectEveryTrialOnce(*stored_trials, 40);
}

}  // namespace
}  // namespace nasprune::testing
