// The worker daemon as a real process (`nasprune-worker serve` with the
// synthetic evaluator), driven over gRPC, registering with a registry
// served by the test itself.

#include <sys/wait.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "nasprune/v1/worker.grpc.pb.h"
#include "tests/testing/process.h"

namespace nasprune::worker {
namespace {

using nasprune::testing::ChildProcess;
using nasprune::testing::FreePort;

// The controller's side of registration, recorded.
class Registry final : public v1::WorkerRegistry::Service {
 public:
  grpc::Status Register(grpc::ServerContext*, const v1::RegisterRequest* r,
                        v1::RegisterResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    registrations_.push_back(*r);
    response->set_lease_id("lease-" + std::to_string(registrations_.size()));
    response->set_heartbeat_interval_ms(100);
    forget_ = false;
    return grpc::Status::OK;
  }
  grpc::Status Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest* r,
                         v1::HeartbeatResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeats_.push_back(*r);
    response->set_known(!forget_);
    for (const std::string& id : cancel_) response->add_cancel_trial_ids(id);
    cancel_.clear();
    return grpc::Status::OK;
  }
  std::vector<v1::RegisterRequest> registrations() {
    std::lock_guard<std::mutex> lock(mu_);
    return registrations_;
  }
  bool SawRunning(const std::string& trial) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& h : heartbeats_) {
      for (const auto& id : h.running_trial_ids()) {
        if (id == trial) return true;
      }
    }
    return false;
  }
  void Forget() {
    std::lock_guard<std::mutex> lock(mu_);
    forget_ = true;
  }
  bool SawDraining() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& h : heartbeats_) {
      if (h.draining()) return true;
    }
    return false;
  }
  void CancelAtNextHeartbeat(const std::string& trial) {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.push_back(trial);
  }

 private:
  std::mutex mu_;
  std::vector<v1::RegisterRequest> registrations_;
  std::vector<v1::HeartbeatRequest> heartbeats_;
  std::vector<std::string> cancel_;
  bool forget_ = false;
};

template <typename F>
bool Eventually(F condition, std::chrono::milliseconds limit =
                                 std::chrono::milliseconds(20000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

v1::EvaluateRequest Request(const std::string& trial_id) {
  v1::EvaluateRequest request;
  request.set_trial_id(trial_id);
  request.set_attempt(1);
  EXPECT_TRUE(
      LoadYamlFile("examples/genomes/reference.yaml", request.mutable_genome())
          .ok());
  v1::JobSpec spec;
  spec.set_name("daemon-test");
  spec.mutable_dataset()->set_name("fashion-mnist");
  spec.mutable_recipe()->set_epochs(4);
  auto prepared = jobspec::PrepareJobSpec(spec);
  EXPECT_TRUE(prepared.ok());
  *request.mutable_dataset() = prepared->dataset();
  *request.mutable_recipe() = prepared->recipe();
  return request;
}

struct Outcome {
  grpc::Status status;
  std::vector<v1::EvaluateEvent> events;
  std::chrono::steady_clock::duration took;
};

class WorkerDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_port_ = FreePort();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(registry_port_),
                             grpc::InsecureServerCredentials());
    builder.RegisterService(&registry_);
    registry_server_ = builder.BuildAndStart();
    ASSERT_NE(registry_server_, nullptr);
    // Long evaluations: tests that need one to finish start a fast worker;
    // the others cancel theirs.
    Launch(&worker_, &port_, {"--synthetic-delay-ms", "10000"});
    stub_ = v1::Worker::NewStub(channel_);
    ASSERT_TRUE(Eventually([&] { return !registry_.registrations().empty(); }))
        << worker_.Log();
  }

  void TearDown() override {
    worker_.Kill(SIGKILL);
    registry_server_->Shutdown();
  }

  void Launch(ChildProcess* process, int* port,
              std::vector<std::string> extra) {
    *port = FreePort();
    std::vector<std::string> argv = {
        NASPRUNE_WORKER_BIN,
        "serve",
        "--listen",
        "127.0.0.1:" + std::to_string(*port),
        "--controller",
        "127.0.0.1:" + std::to_string(registry_port_),
        "--slots",
        "2",
        "--evaluator",
        "synthetic",
        "--name",
        "w" + std::to_string(*port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ASSERT_TRUE(process->Start(argv, ::testing::TempDir() + "/worker-" +
                                         std::to_string(*port) + ".log"));
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(*port),
                                   grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel_->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(30)))
        << process->Log();
  }

  static Outcome Run(v1::Worker::Stub& stub, const v1::EvaluateRequest& r) {
    Outcome out;
    const auto start = std::chrono::steady_clock::now();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    auto reader = stub.Evaluate(&context, r);
    v1::EvaluateEvent event;
    while (reader->Read(&event)) out.events.push_back(event);
    out.status = reader->Finish();
    out.took = std::chrono::steady_clock::now() - start;
    return out;
  }

  Registry registry_;
  int registry_port_ = 0;
  std::unique_ptr<grpc::Server> registry_server_;
  ChildProcess worker_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

TEST_F(WorkerDaemon, RegistersWithWhatItIs) {
  const v1::RegisterRequest r = registry_.registrations()[0];
  EXPECT_EQ(r.name(), "w" + std::to_string(port_));
  EXPECT_EQ(r.address(), "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(r.slots(), 2);
  EXPECT_EQ(r.evaluator_version(), "synthetic-1");
  EXPECT_TRUE(r.synthetic());
}

TEST_F(WorkerDaemon, StreamsProgressThenExactlyOneResult) {
  ChildProcess fast;
  int port = 0;
  Launch(&fast, &port, {"--synthetic-delay-ms", "300"});
  auto stub = v1::Worker::NewStub(channel_);
  const Outcome out = Run(*stub, Request("job/0"));
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  ASSERT_EQ(out.events.size(), 5u);  // 4 epochs, then the result.
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(out.events[i].has_progress());
    EXPECT_EQ(out.events[i].progress().epoch().epoch(), i + 1);
  }
  ASSERT_TRUE(out.events[4].has_result());
  const v1::EvaluationResult& result = out.events[4].result();
  EXPECT_TRUE(result.synthetic());
  EXPECT_EQ(result.worker(), "w" + std::to_string(port));
  EXPECT_GT(result.params(), 0);
  EXPECT_GE(out.took, std::chrono::milliseconds(300));
  grpc::ClientContext context;
  v1::WorkerStatus status;
  ASSERT_TRUE(stub->Status(&context, v1::WorkerStatusRequest(), &status).ok());
  EXPECT_EQ(status.evaluations_completed(), 1);
  EXPECT_EQ(status.evaluations_failed(), 0);
}

bool CancelTrial(v1::Worker::Stub& stub, const std::string& trial) {
  grpc::ClientContext context;
  v1::CancelRequest request;
  request.set_trial_id(trial);
  v1::CancelResponse response;
  return stub.Cancel(&context, request, &response).ok() && response.cancelled();
}

TEST_F(WorkerDaemon, HeartbeatsReportRunningTrials) {
  std::thread run([&] { Run(*stub_, Request("job/1")); });
  EXPECT_TRUE(Eventually([&] { return registry_.SawRunning("job/1"); }));
  EXPECT_TRUE(Eventually([&] { return CancelTrial(*stub_, "job/1"); }));
  run.join();
}

TEST_F(WorkerDaemon, CancelStopsAnEvaluationPromptly) {
  Outcome out;
  std::thread run([&] { out = Run(*stub_, Request("job/2")); });
  ASSERT_TRUE(Eventually([&] { return CancelTrial(*stub_, "job/2"); }));
  run.join();
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::CANCELLED);
  // Far sooner than the 10 s the evaluation takes.
  EXPECT_LT(out.took, std::chrono::milliseconds(8000));
}

TEST_F(WorkerDaemon, HeartbeatAnswerCanCancelATrial) {
  Outcome out;
  std::thread run([&] { out = Run(*stub_, Request("job/3")); });
  ASSERT_TRUE(Eventually([&] { return registry_.SawRunning("job/3"); }));
  registry_.CancelAtNextHeartbeat("job/3");
  run.join();
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WorkerDaemon, BusyWorkerAnswersResourceExhaustedAndStatusShowsSlots) {
  Outcome a_out, b_out;
  std::thread a([&] { a_out = Run(*stub_, Request("job/4")); });
  std::thread b([&] { b_out = Run(*stub_, Request("job/5")); });
  v1::WorkerStatus status;
  ASSERT_TRUE(Eventually([&] {
    grpc::ClientContext context;
    status.Clear();
    stub_->Status(&context, v1::WorkerStatusRequest(), &status);
    int busy = 0;
    for (const auto& s : status.slots()) busy += !s.trial_id().empty();
    return busy == 2;
  }));
  EXPECT_EQ(status.slots_size(), 2);
  EXPECT_TRUE(status.synthetic());
  const Outcome third = Run(*stub_, Request("job/6"));
  EXPECT_EQ(third.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(CancelTrial(*stub_, "job/4"));
  EXPECT_TRUE(CancelTrial(*stub_, "job/5"));
  a.join();
  b.join();
  EXPECT_EQ(a_out.status.error_code(), grpc::StatusCode::CANCELLED);
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Status(&context, v1::WorkerStatusRequest(), &status).ok());
  for (const auto& s : status.slots()) EXPECT_TRUE(s.trial_id().empty());
  EXPECT_EQ(status.evaluations_completed(), 0);  // Cancelled is not done.
  EXPECT_EQ(status.evaluations_failed(), 0);
}

// The health of `service` ("" for the whole server), or UNKNOWN when the
// call fails.
grpc::health::v1::HealthCheckResponse::ServingStatus Health(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  if (!health->Check(&context, request, &response).ok()) {
    return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

TEST_F(WorkerDaemon, HealthServiceAnswersServing) {
  EXPECT_EQ(Health(channel_, ""),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(Eventually([&] {
    return Health(channel_, "nasprune.v1.Worker") ==
           grpc::health::v1::HealthCheckResponse::SERVING;
  }));
}

TEST_F(WorkerDaemon, WorkerHealthFollowsTheControllerAndTheProcessStaysLive) {
  ASSERT_TRUE(Eventually([&] {
    return Health(channel_, "nasprune.v1.Worker") ==
           grpc::health::v1::HealthCheckResponse::SERVING;
  }));
  registry_server_->Shutdown();  // The controller goes away.
  EXPECT_TRUE(Eventually([&] {
    return Health(channel_, "nasprune.v1.Worker") ==
           grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  }));
  EXPECT_EQ(Health(channel_, ""),
            grpc::health::v1::HealthCheckResponse::SERVING);
}

// `nasprune-worker drain` against the daemon; its exit status and log.
std::pair<int, std::string> RunDrain(int port, int timeout_seconds) {
  ChildProcess drain;
  const std::string log =
      ::testing::TempDir() + "/drain-" + std::to_string(port) + ".log";
  EXPECT_TRUE(
      drain.Start({NASPRUNE_WORKER_BIN, "drain", "--worker",
                   "127.0.0.1:" + std::to_string(port), "--timeout-seconds",
                   std::to_string(timeout_seconds)},
                  log));
  const int status = drain.Wait();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, drain.Log()};
}

TEST_F(WorkerDaemon, DrainStopsNewEvaluationsAndWaitsForRunningOnes) {
  Outcome running;
  std::thread run([&] { running = Run(*stub_, Request("job/9")); });
  ASSERT_TRUE(Eventually([&] { return registry_.SawRunning("job/9"); }));
  // The 10-s evaluation outlasts a 1-s drain: exit 1, naming it.
  const auto [timed_out, timed_out_log] = RunDrain(port_, 1);
  EXPECT_EQ(timed_out, 1) << timed_out_log;
  EXPECT_NE(timed_out_log.find("still runs job/9"), std::string::npos)
      << timed_out_log;
  // The controller heard at once, and no new evaluation is taken.
  EXPECT_TRUE(Eventually([&] { return registry_.SawDraining(); }));
  const Outcome refused = Run(*stub_, Request("job/10"));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::ClientContext context;
  v1::WorkerStatus status;
  ASSERT_TRUE(stub_->Status(&context, {}, &status).ok());
  EXPECT_TRUE(status.draining());
  // Once what runs has ended, a drain returns 0 at once.
  ASSERT_TRUE(Eventually([&] { return CancelTrial(*stub_, "job/9"); }));
  run.join();
  const auto [drained, drained_log] = RunDrain(port_, 30);
  EXPECT_EQ(drained, 0) << drained_log;
  EXPECT_NE(drained_log.find("nothing runs"), std::string::npos) << drained_log;
}

TEST_F(WorkerDaemon, DrainNamesAWorkerItCannotReach) {
  const auto [code, log] = RunDrain(FreePort(), 1);
  EXPECT_EQ(code, 1) << log;
  EXPECT_NE(log.find("worker 127.0.0.1:"), std::string::npos) << log;
}

TEST_F(WorkerDaemon, RegistersAgainWhenTheControllerForgetsIt) {
  registry_.Forget();
  EXPECT_TRUE(
      Eventually([&] { return registry_.registrations().size() >= 2; }));
}

TEST_F(WorkerDaemon, BadGenomeFailsDeterministically) {
  v1::EvaluateRequest r = Request("job/7");
  r.mutable_genome()->mutable_arch()->mutable_stem()->set_channels(0);
  const Outcome out = Run(*stub_, r);
  ASSERT_TRUE(out.status.ok());
  ASSERT_FALSE(out.events.empty());
  ASSERT_TRUE(out.events.back().has_failure());
  EXPECT_EQ(out.events.back().failure().code(), "INVALID_ARGUMENT");
  EXPECT_TRUE(out.events.back().failure().deterministic());
}

TEST_F(WorkerDaemon, MissingTrialIdIsInvalidArgument) {
  v1::EvaluateRequest r = Request("");
  EXPECT_EQ(Run(*stub_, r).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WorkerDaemon, FailingWorkerReportsRetryableFailures) {
  ChildProcess failing;
  int port = 0;
  Launch(&failing, &port, {"--synthetic-fail-all"});
  auto stub = v1::Worker::NewStub(channel_);
  const Outcome out = Run(*stub, Request("job/8"));
  ASSERT_TRUE(out.status.ok());
  ASSERT_TRUE(out.events.back().has_failure());
  EXPECT_EQ(out.events.back().failure().code(), "INTERNAL");
  EXPECT_FALSE(out.events.back().failure().deterministic());
  EXPECT_EQ(out.events.back().failure().worker(), "w" + std::to_string(port));
}

TEST_F(WorkerDaemon, SigtermStopsItCleanly) {
  const int status = worker_.Kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << worker_.Log();
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(WorkerFlags, BadFlagsAreRejectedNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  const std::vector<Case> cases = {
      {{"--slots", "0"}, "--slots"},
      {{"--evaluator", "magic"}, "--evaluator"},
      {{"--listen", "nowhere"}, "--listen"},
      {{"--evaluator", "synthetic", "--synthetic-delay-ms", "-5"},
       "--synthetic-delay-ms"},
      {{"--device", "gpu7"}, "--device"},
      {{"--device", "mps"}, "--device"},
      {{"--device-memory-reserve-mib", "-1"}, "--device-memory-reserve-mib"},
  };
  for (const Case& c : cases) {
    ChildProcess p;
    std::vector<std::string> argv = {NASPRUNE_WORKER_BIN, "serve"};
    if (c.flag != "--listen") {
      argv.push_back("--listen");
      argv.push_back("127.0.0.1:" + std::to_string(FreePort()));
    }
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ASSERT_TRUE(p.Start(argv, ::testing::TempDir() + "/bad-flags.log"));
    const int status = p.Wait();
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << p.Log();
    EXPECT_NE(p.Log().find(c.flag), std::string::npos) << p.Log();
    // The validation message, not a parse error.
    if (c.flag == "--listen") {
      EXPECT_NE(p.Log().find("HOST:PORT"), std::string::npos) << p.Log();
    }
  }
}

// A CUDA device this worker cannot use stops it at start, naming the flag:
// exit 1 (the machine's fault, not the flag's syntax).
TEST(WorkerFlags, AnUnusableCudaDeviceStopsTheWorkerAtStart) {
  ChildProcess p;
  ASSERT_TRUE(p.Start(
      {NASPRUNE_WORKER_BIN, "serve", "--listen",
       "127.0.0.1:" + std::to_string(FreePort()), "--device", "cuda:99"},
      ::testing::TempDir() + "/bad-device.log"));
  const int status = p.Wait();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << p.Log();
  EXPECT_NE(p.Log().find("--device: device \"cuda:99\""), std::string::npos)
      << p.Log();
}

}  // namespace
}  // namespace nasprune::worker
