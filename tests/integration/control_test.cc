// Scenarios 6 and 7 of the distributed service (issue 6): cancelling a job
// stops its evaluations on the workers; a worker that fails every
// evaluation is taken out of rotation and does not stall the job. And a
// reproducible job proposes the same genomes on one worker and on three.

#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

std::string Job(const std::string& name, int max_trials) {
  return SyntheticJobSpec(name, "random: {}", max_trials, /*epochs=*/1,
                          /*seed=*/5);
}

int BusySlots(const v1::WorkerStatus& status) {
  int busy = 0;
  for (const v1::SlotStatus& slot : status.slots()) {
    busy += !slot.trial_id().empty();
  }
  return busy;
}

// Polls the workers' slots until `done(busy slots in all)` or `timeout`;
// the last count.
int WaitForBusySlots(Cluster& cluster, int workers,
                     std::chrono::milliseconds timeout,
                     const std::function<bool(int)>& done) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  int busy = 0;
  do {
    busy = 0;
    for (int i = 0; i < workers; ++i) {
      absl::StatusOr<v1::WorkerStatus> status = cluster.WorkerStatus(i);
      EXPECT_TRUE(status.ok()) << status.status();
      if (status.ok()) busy += BusySlots(*status);
    }
    if (done(busy)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < end);
  return busy;
}

TEST(Control, CancellingAJobStopsItsEvaluations) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  for (int i = 0; i < 2; ++i) {
    cluster.AddWorker({.slots = 2, .synthetic_delay_ms = 60000});
  }
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("cancel-me", 10));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(cluster
                  .WaitForJob(job->job_id(), std::chrono::seconds(30),
                              [](const v1::JobStatus& s) {
                                return s.trials().running() == 4;
                              })
                  .ok());
  // The calls reach the workers a moment after the controller counts them
  // as running.
  ASSERT_EQ(WaitForBusySlots(cluster, 2, std::chrono::seconds(10),
                             [](int busy) { return busy == 4; }),
            4);

  v1::CancelJobRequest cancel;
  cancel.set_job_id(job->job_id());
  cancel.set_reason("changed my mind");
  v1::JobStatus cancelled;
  grpc::ClientContext context;
  ASSERT_TRUE(cluster.api().CancelJob(&context, cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(cancelled.message(), "changed my mind");

  // Within seconds no worker trains anything.
  EXPECT_EQ(WaitForBusySlots(cluster, 2, std::chrono::seconds(5),
                             [](int busy) { return busy == 0; }),
            0);

  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job->job_id());
  ASSERT_TRUE(trials.ok());
  int stopped = 0;
  for (const v1::TrialRecord& trial : *trials) {
    EXPECT_EQ(trial.state(), v1::TRIAL_STATE_CANCELLED) << trial.trial_id();
    stopped += trial.attempts() > 0;
  }
  EXPECT_EQ(stopped, 4);
  // Cancelling again returns the job unchanged.
  v1::JobStatus again;
  grpc::ClientContext again_context;
  ASSERT_TRUE(cluster.api().CancelJob(&again_context, cancel, &again).ok());
  EXPECT_EQ(again.state(), v1::JOB_STATE_CANCELLED);
}

TEST(Control, AWorkerThatFailsEverythingDoesNotStallTheJob) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.synthetic_delay_ms = 100});
  cluster.AddWorker({.synthetic_delay_ms = 100});
  constexpr int kBadSlots = 2;
  const int bad = cluster.AddWorker({.slots = kBadSlots, .fail_all = true});
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(Job("bad-worker", 20));
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::seconds(60));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.ControllerLog();
  EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->message();

  // Out of rotation after 3 consecutive failures: it got no more trials
  // than the failures that took it out and those already in its other slot.
  absl::StatusOr<v1::WorkerStatus> status = cluster.WorkerStatus(bad);
  ASSERT_TRUE(status.ok());
  EXPECT_GE(status->evaluations_failed(), 3);
  EXPECT_LE(status->evaluations_failed(), 3 + kBadSlots - 1);
  EXPECT_EQ(status->evaluations_completed(), 0);

  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job->job_id());
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 20u);
  int retried = 0;
  for (const v1::TrialRecord& trial : *trials) {
    EXPECT_EQ(trial.state(), v1::TRIAL_STATE_SUCCEEDED) << trial.DebugString();
    EXPECT_NE(trial.worker(), "worker-2");
    retried += trial.attempts() > 1;
  }
  EXPECT_GE(retried, 1);
  // Each failure is attributed to the worker in the controller's log.
  const std::string log = cluster.ControllerLog();
  int attributed = 0;
  for (size_t at = log.find("on worker-2"); at != std::string::npos;
       at = log.find("on worker-2", at + 1)) {
    ++attributed;
  }
  EXPECT_EQ(attributed, status->evaluations_failed()) << log;
}

// The genome hashes a job proposed, rung by rung, in trial order, when it
// runs on workers with these synthetic delays (so results come back out of
// order on more than one).
std::vector<std::string> ProposedGenomes(const std::string& spec,
                                         const std::vector<int>& delays_ms) {
  Cluster cluster;
  EXPECT_TRUE(cluster.Start());
  for (int delay : delays_ms) {
    cluster.AddWorker({.synthetic_delay_ms = delay});
  }
  absl::StatusOr<v1::JobStatus> job = cluster.Submit(spec);
  EXPECT_TRUE(job.ok()) << job.status();
  if (!job.ok()) return {};
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::seconds(120));
  EXPECT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << done->message();
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      cluster.Trials(job->job_id(), 100);
  EXPECT_TRUE(trials.ok()) << trials.status();
  std::vector<std::string> genomes;
  for (const v1::TrialRecord& trial : *trials) {
    genomes.push_back(absl::StrCat(trial.rung(), ":", trial.genome_hash()));
  }
  return genomes;
}

TEST(Control, AReproducibleJobProposesTheSameGenomesOnOneAndThreeWorkers) {
  // Evolution with a population of 4 (so outcomes steer the proposals from
  // the fifth trial on) under ASHA (so promotions depend on them too).
  std::string spec =
      SyntheticJobSpec("same-genomes",
                       "evolution: {population_size: 4, sample_size: 2}, "
                       "reproducible_window: 3",
                       /*max_trials=*/30, /*epochs=*/9, /*seed=*/11);
  spec += "multi_fidelity: {method: asha}\n";
  const std::vector<std::string> one = ProposedGenomes(spec, {40});
  const std::vector<std::string> three = ProposedGenomes(spec, {40, 90, 230});
  ASSERT_EQ(one.size(), 30u);
  EXPECT_EQ(one, three);
  int promotions = 0;
  for (const std::string& g : one) promotions += g[0] != '0';
  EXPECT_GT(promotions, 0);
}

}  // namespace
}  // namespace nasprune::testing
