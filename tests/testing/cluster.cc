#include "tests/testing/cluster.h"

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/load_job_spec.h"
#include "common/jobspec/states.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace nasprune::testing {
namespace {

// A channel that retries a refused connection quickly (a process just
// starting), instead of gRPC's default backoff of a second and more.
std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
}

}  // namespace

std::string SyntheticJobSpec(const std::string& name,
                             const std::string& strategy, int max_trials,
                             int epochs, int seed) {
  return absl::StrCat(
      "name: ", name, "\ndataset: {name: fashion-mnist}\n", "strategy: {",
      strategy, "}\n", "budget: {max_trials: ", max_trials, "}\n",
      "recipe: {epochs: ", epochs, "}\nseed: ", seed, "\nexport: {top_k: 0}\n");
}

Cluster::~Cluster() {
  for (Worker& worker : workers_) worker.process->Kill(SIGKILL);
  controller_.Kill(SIGKILL);
  redis_.Kill();
  if (!dir_.empty() && !getenv("NASPRUNE_KEEP_TEST_DIRS")) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool Cluster::Start(int heartbeat_interval_ms) {
  heartbeat_interval_ms_ = heartbeat_interval_ms;
  std::string pattern =
      (std::filesystem::temp_directory_path() / "nasprune-cluster-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) return false;
  dir_ = pattern;
  if (!redis_.Start(dir_)) {
    std::cerr << "redis-server did not start: " << redis_.Log() << "\n";
    return false;
  }
  controller_port_ = FreePort();
  controller_metrics_port_ = FreePort();
  return StartController();
}

bool Cluster::StartController() {
  const std::string address = absl::StrCat("127.0.0.1:", controller_port_);
  if (!controller_.Start(
          {NASPRUNE_CONTROLLER_BIN, "--listen", address, "--redis",
           absl::StrCat("127.0.0.1:", redis_.port()), "--artifact-dir",
           artifact_dir(), "--heartbeat-interval-ms",
           std::to_string(heartbeat_interval_ms_), "--metrics-address",
           absl::StrCat("127.0.0.1:", controller_metrics_port_)},
          dir_ + "/controller.log")) {
    return false;
  }
  // Up once it says so in its log (asking over gRPC before it listens
  // would put the channel into a reconnect backoff of seconds), then
  // answering (NOT_FOUND for a job that does not exist).
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (controller_.Log().find("serving on") == std::string::npos &&
         controller_.Running() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  api_ = v1::NasController::NewStub(Channel(address));
  while (controller_.Running() && std::chrono::steady_clock::now() < end) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(500));
    v1::GetJobRequest request;
    request.set_job_id("probe");
    v1::JobStatus status;
    const grpc::Status s = api_->GetJob(&context, request, &status);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::cerr << "the controller did not come up: " << controller_.Log() << "\n";
  return false;
}

void Cluster::KillController(int signal) { controller_.Kill(signal); }

int Cluster::LaunchWorker(const WorkerOptions& options) {
  Worker worker;
  worker.name = absl::StrCat("worker-", workers_.size());
  worker.port = FreePort();
  worker.metrics_port = FreePort();
  const std::string address = absl::StrCat("127.0.0.1:", worker.port);
  std::vector<std::string> argv = {
      NASPRUNE_WORKER_BIN,
      "serve",
      "--listen",
      address,
      "--name",
      worker.name,
      "--controller",
      absl::StrCat("127.0.0.1:", controller_port_),
      "--slots",
      std::to_string(options.slots),
      "--evaluator",
      options.evaluator,
      "--artifact-dir",
      artifact_dir(),
      "--metrics-address",
      absl::StrCat("127.0.0.1:", worker.metrics_port)};
  if (options.evaluator == "synthetic") {
    argv.push_back("--synthetic-delay-ms");
    argv.push_back(std::to_string(options.synthetic_delay_ms));
    argv.push_back("--synthetic-stop-delay-ms");
    argv.push_back(std::to_string(options.synthetic_stop_delay_ms));
  } else {
    argv.push_back("--threads");
    argv.push_back("1");
  }
  if (options.fail_all) argv.push_back("--synthetic-fail-all");
  if (options.shared_parents) {
    argv.push_back("--parent-dir");
    argv.push_back(parents_dir());
  }
  worker.process = std::make_unique<ChildProcess>();
  worker.process->Start(argv, absl::StrCat(dir_, "/", worker.name, ".log"));
  workers_.push_back(std::move(worker));
  const int index = static_cast<int>(workers_.size()) - 1;
  return index;
}

void Cluster::AwaitWorker(int index) {
  // It registers as soon as it serves (and says so in its log). Asking it
  // over gRPC before it listens would put the channel into a reconnect
  // backoff of seconds.
  Worker& worker = workers_[index];
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (worker.process->Log().find("serving") == std::string::npos &&
         worker.process->Running() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker.stub =
      v1::Worker::NewStub(Channel(absl::StrCat("127.0.0.1:", worker.port)));
}

int Cluster::AddWorker(const WorkerOptions& options) {
  const int index = LaunchWorker(options);
  AwaitWorker(index);
  // A heartbeat later it has surely registered.
  std::this_thread::sleep_for(
      std::chrono::milliseconds(heartbeat_interval_ms_));
  return index;
}

void Cluster::AddWorkers(int count, const WorkerOptions& options) {
  std::vector<int> added;
  for (int i = 0; i < count; ++i) added.push_back(LaunchWorker(options));
  for (int index : added) AwaitWorker(index);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(heartbeat_interval_ms_));
}

void Cluster::KillWorker(int index, int signal) {
  workers_[index].process->Kill(signal);
}

absl::StatusOr<v1::JobStatus> Cluster::Submit(const std::string& spec_yaml,
                                              const std::string& request_id) {
  const std::string path = absl::StrCat(dir_, "/job-", rand(), ".yaml");
  {
    std::ofstream file(path);
    file << spec_yaml;
  }
  absl::StatusOr<v1::JobSpec> spec = jobspec::LoadJobSpec(path);
  if (!spec.ok()) return spec.status();
  return Submit(*spec, request_id);
}

absl::StatusOr<v1::JobStatus> Cluster::Submit(const v1::JobSpec& spec,
                                              const std::string& request_id) {
  v1::SubmitJobRequest request;
  *request.mutable_spec() = spec;
  request.set_request_id(request_id);
  v1::SubmitJobResponse response;
  grpc::ClientContext context;
  SetDeadline(context);
  const grpc::Status s = api_->SubmitJob(&context, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response.job();
}

absl::StatusOr<v1::JobStatus> Cluster::GetJob(const std::string& job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  v1::JobStatus status;
  grpc::ClientContext context;
  SetDeadline(context);
  const grpc::Status s = api_->GetJob(&context, request, &status);
  if (!s.ok()) return FromGrpcStatus(s);
  return status;
}

absl::StatusOr<v1::JobStatus> Cluster::WaitForJob(
    const std::string& job_id, std::chrono::milliseconds timeout,
    const std::function<bool(const v1::JobStatus&)>& done) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  absl::StatusOr<v1::JobStatus> status;
  for (;;) {
    status = GetJob(job_id);
    if (status.ok()) {
      if (done ? done(*status) : jobspec::IsFinal(status->state())) {
        return status;
      }
    }
    if (std::chrono::steady_clock::now() >= end) {
      return absl::DeadlineExceededError(absl::StrCat(
          "job ", job_id, " not done in time; last: ",
          status.ok() ? status->DebugString() : status.status().ToString()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

absl::StatusOr<std::vector<v1::TrialRecord>> Cluster::Trials(
    const std::string& job_id, int page_size) {
  std::vector<v1::TrialRecord> trials;
  v1::ListTrialsRequest request;
  request.set_job_id(job_id);
  request.set_page_size(page_size);
  for (;;) {
    v1::ListTrialsResponse response;
    grpc::ClientContext context;
    SetDeadline(context);
    const grpc::Status s = api_->ListTrials(&context, request, &response);
    if (!s.ok()) return FromGrpcStatus(s);
    trials.insert(trials.end(), response.trials().begin(),
                  response.trials().end());
    if (response.next_page_token().empty()) return trials;
    request.set_page_token(response.next_page_token());
  }
}

absl::StatusOr<v1::WorkerStatus> Cluster::WorkerStatus(int index) {
  v1::WorkerStatusRequest request;
  v1::WorkerStatus status;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  const grpc::Status s =
      workers_[index].stub->Status(&context, request, &status);
  if (!s.ok()) return FromGrpcStatus(s);
  return status;
}

}  // namespace nasprune::testing
