#ifndef NASPRUNE_TESTS_CONTROLLER_JOBS_MANAGER_FIXTURE_H_
#define NASPRUNE_TESTS_CONTROLLER_JOBS_MANAGER_FIXTURE_H_

// A job manager over hand-written fakes, for the manager's tests and the
// API rule suite: an in-memory store (optionally failing), a real
// WorkerPool whose workers the test registers and heartbeats, an evaluation
// client whose calls the test finishes, and a fake clock. Rounds run on the
// test's thread (Step) unless a test starts the scheduler thread.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/jobspec/states.h"
#include "common/metrics/metrics.h"
#include "controller/jobs/job_manager.h"
#include "gtest/gtest.h"
#include "tests/controller/jobs/job_testing.h"
#include "tests/controller/scheduler/pool_testing.h"
#include "tests/testing/fake_clock.h"

namespace nasprune::controller::testing {

class JobManagerTest : public ::testing::Test {
 protected:
  JobManagerTest() { manager_ = NewManager(); }

  std::unique_ptr<JobManager> NewManager(int max_attempts = 3) {
    absl::StatusOr<std::unique_ptr<JobManager>> manager =
        JobManager::Create({.store = &store_,
                            .pool = pool_.get(),
                            .client = &client_,
                            .metrics = &metrics_,
                            .clock = &clock_,
                            .max_attempts = max_attempts,
                            .commit_interval = std::chrono::milliseconds(0),
                            .min_store_backoff = std::chrono::milliseconds(0),
                            .max_store_backoff = std::chrono::milliseconds(0),
                            .on_store_health = [this](bool healthy) {
                              health_changes_.push_back(healthy);
                            }});
    EXPECT_TRUE(manager.ok()) << manager.status();
    return *std::move(manager);
  }

  static std::unique_ptr<WorkerPool> NewPool(Clock* clock) {
    return std::make_unique<WorkerPool>(WorkerPool::Options{.clock = clock});
  }

  void AddWorker(const std::string& name, int slots) {
    leases_[name] = RegisterWorker(*pool_, name, slots);
  }

  // A heartbeat of worker `name` reporting `running`.
  void Beat(const std::string& name,
            const std::vector<std::string>& running = {}) {
    ASSERT_TRUE(Heartbeat(*pool_, name, leases_[name], running).known());
  }

  // Blocks until job `id` is final, woken by the event hub (the scheduler
  // thread runs).
  void AwaitFinal(const std::string& id) {
    // Shared: a notification on its way may run after Unsubscribe.
    auto final = std::make_shared<absl::Notification>();
    absl::StatusOr<int64_t> subscription =
        manager_->events().Subscribe(id, [this, id, final] {
          if (!final->HasBeenNotified() && Final(Get(id))) final->Notify();
        });
    ASSERT_TRUE(subscription.ok());
    if (!Final(Get(id))) final->WaitForNotification();
    manager_->events().Unsubscribe(*subscription);
  }

  std::string Submit(const v1::JobSpec& spec,
                     const std::string& request_id = "") {
    v1::SubmitJobRequest request;
    *request.mutable_spec() = spec;
    request.set_request_id(request_id);
    absl::StatusOr<v1::JobStatus> job = manager_->Submit(request);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? job->job_id() : "";
  }

  v1::JobStatus Get(const std::string& id) {
    v1::GetJobRequest request;
    request.set_job_id(id);
    absl::StatusOr<v1::JobStatus> job = manager_->registry().GetJob(request);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : v1::JobStatus();
  }

  // Steps until every open call is finished and the job is final.
  void RunToEnd(const std::string& id) {
    for (int i = 0; i < 1000 && !Final(Get(id)); ++i) {
      manager_->Step();
      client_.SucceedAll();
    }
    manager_->Step();
  }

  static bool Final(const v1::JobStatus& s) {
    return jobspec::IsFinal(s.state());
  }

  FlakyStore store_;
  nasprune::testing::FakeClock clock_;
  std::unique_ptr<WorkerPool> pool_ = NewPool(&clock_);
  std::map<std::string, std::string> leases_;
  std::vector<bool> health_changes_;
  FakeEvaluationClient client_;
  metrics::Registry registry_;
  ControllerMetrics metrics_{registry_};
  std::unique_ptr<JobManager> manager_;
};

}  // namespace nasprune::controller::testing

#endif  // NASPRUNE_TESTS_CONTROLLER_JOBS_MANAGER_FIXTURE_H_
