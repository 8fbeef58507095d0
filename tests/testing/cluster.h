#ifndef NASPRUNE_TESTS_TESTING_CLUSTER_H_
#define NASPRUNE_TESTS_TESTING_CLUSTER_H_

// A whole nasprune service on loopback for integration tests, every part a
// real process: redis-server (AOF on, its own temp directory), one
// nasprune-controller and any number of nasprune-worker daemons, each on a
// free port, with logs in the cluster's directory. Everything is killed and
// the directory removed when the Cluster goes away, also when a test fails.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nasprune/v1/controller.grpc.pb.h"
#include "nasprune/v1/worker.grpc.pb.h"
#include "tests/testing/process.h"
#include "tests/testing/redis_server.h"

namespace nasprune::testing {

// A job spec (YAML) for synthetic workers: Fashion-MNIST, `strategy` (a
// StrategySpec in YAML flow style, e.g. "random: {}"), `max_trials`,
// `epochs` per trial, no exports.
std::string SyntheticJobSpec(const std::string& name,
                             const std::string& strategy, int max_trials,
                             int epochs = 1, int seed = 1);

class Cluster {
 public:
  struct WorkerOptions {
    std::string evaluator = "synthetic";  // Or "libtorch".
    int slots = 1;
    int synthetic_delay_ms = 0;
    // How long a cancelled synthetic evaluation takes to end.
    int synthetic_stop_delay_ms = 0;
    bool fail_all = false;
    // Keeps trained parents in the cluster's parents_dir(), one directory
    // for every worker that sets this: a promotion continues from its
    // lower rung whichever of them runs it.
    bool shared_parents = false;
  };

  Cluster() = default;
  ~Cluster();

  // Starts Redis and the controller. False (with the reason on stderr) when
  // either does not come up.
  bool Start(int heartbeat_interval_ms = 200);
  // Starts the controller again on the same port, Redis and artifacts.
  bool StartController();
  void KillController(int signal);
  // Adds a worker registered with the controller; its index. Returns once
  // the worker answers and has had time to register.
  int AddWorker(const WorkerOptions& options);
  // Adds `count` alike workers, started together.
  void AddWorkers(int count, const WorkerOptions& options);
  void KillWorker(int index, int signal);
  RedisServer& redis() { return redis_; }
  const std::string& dir() const { return dir_; }
  std::string artifact_dir() const { return dir_ + "/artifacts"; }
  std::string parents_dir() const { return dir_ + "/parents"; }
  std::string controller_address() const {
    return "127.0.0.1:" + std::to_string(controller_port_);
  }
  std::string ControllerLog() const { return controller_.Log(); }
  // The ports of /metrics, /healthz and /readyz.
  int controller_metrics_port() const { return controller_metrics_port_; }
  int worker_metrics_port(int index) const {
    return workers_[index].metrics_port;
  }
  int worker_count() const { return static_cast<int>(workers_.size()); }
  pid_t controller_pid() const { return controller_.pid(); }

  v1::NasController::Stub& api() { return *api_; }

  // Submits the job of a YAML spec; the created job.
  absl::StatusOr<v1::JobStatus> Submit(const std::string& spec_yaml,
                                       const std::string& request_id = "");
  absl::StatusOr<v1::JobStatus> Submit(const v1::JobSpec& spec,
                                       const std::string& request_id = "");
  absl::StatusOr<v1::JobStatus> GetJob(const std::string& job_id);
  // Polls the job until `done` holds (default: a final state) or `timeout`
  // passes; the last status read, or the error.
  absl::StatusOr<v1::JobStatus> WaitForJob(
      const std::string& job_id, std::chrono::milliseconds timeout,
      const std::function<bool(const v1::JobStatus&)>& done = nullptr);
  // Every trial, all pages of `page_size` (small by default, so that tests
  // exercise pagination).
  absl::StatusOr<std::vector<v1::TrialRecord>> Trials(const std::string& job_id,
                                                      int page_size = 7);
  // The worker's own account (Worker.Status).
  absl::StatusOr<v1::WorkerStatus> WorkerStatus(int index);

 private:
  // Starts a worker process; its index.
  int LaunchWorker(const WorkerOptions& options);
  // Waits until the worker serves, and dials it.
  void AwaitWorker(int index);

  struct Worker {
    std::string name;
    int port = 0;
    int metrics_port = 0;
    std::unique_ptr<ChildProcess> process;
    std::unique_ptr<v1::Worker::Stub> stub;
  };

  std::string dir_;
  RedisServer redis_;
  int heartbeat_interval_ms_ = 200;
  int controller_port_ = 0;
  int controller_metrics_port_ = 0;
  ChildProcess controller_;
  std::unique_ptr<v1::NasController::Stub> api_;
  std::vector<Worker> workers_;
};

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_TESTING_CLUSTER_H_
