// nasprune-controller: the controller daemon. Composition root: flags are
// read here and nowhere else.
//
//   nasprune-controller --listen 127.0.0.1:50051 --redis 127.0.0.1:6379
//       [--artifact-dir DIR] [--metrics-address 0.0.0.0:9464] ...
// serves the NasController API (for clients), the WorkerRegistry (for
// workers) and the gRPC health service on one port, /metrics, /healthz and
// /readyz on the metrics port, keeps everything in Redis, and resumes the
// jobs it finds there. Runs until SIGTERM or SIGINT.
//
// Exit status: 0 after a signal, 1 when it cannot start, 2 for bad flags.

#include <atomic>
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/daemon/daemon.h"
#include "common/daemon/host_port.h"
#include "common/metrics/metrics.h"
#include "common/metrics/metrics_server.h"
#include "common/version.h"
#include "controller/jobs/job_manager.h"
#include "controller/metrics.h"
#include "controller/scheduler/worker_pool.h"
#include "controller/service/controller_service.h"
#include "controller/service/grpc_evaluation_client.h"
#include "controller/service/readiness.h"
#include "controller/service/registry_service.h"
#include "controller/store/redis_store.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace {

namespace c = nasprune::controller;

struct Flags {
  std::string listen = "127.0.0.1:50051";
  std::string redis = "127.0.0.1:6379";
  std::string redis_prefix = "nasprune:v1:";
  int redis_timeout_ms = 2000;
  std::string artifact_dir = "artifacts";
  int heartbeat_interval_ms = 1000;
  int max_attempts = 3;
  int failure_limit = 3;
  std::string metrics_address;  // Empty: no metrics port.
};

int Fail(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// The health of the whole server and of the controller API: serving while
// the store takes writes (reads are still answered from memory when not).
void SetServing(grpc::HealthCheckServiceInterface& health, bool serving) {
  health.SetServingStatus(serving);
  health.SetServingStatus("nasprune.v1.NasController", serving);
}

int Serve(const Flags& flags) {
  if (absl::StatusOr<nasprune::HostPort> listen =
          nasprune::ParseHostPort("--listen", flags.listen);
      !listen.ok()) {
    return Fail(listen.status());
  }
  absl::StatusOr<nasprune::HostPort> redis =
      nasprune::ParseHostPort("--redis", flags.redis);
  if (!redis.ok()) return Fail(redis.status());
  if (flags.heartbeat_interval_ms < 10 ||
      flags.heartbeat_interval_ms > 600000) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--heartbeat-interval-ms: ", flags.heartbeat_interval_ms,
                     " is outside [10, 600000]")));
  }
  if (flags.max_attempts < 1 || flags.max_attempts > 100) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--max-attempts: ", flags.max_attempts, " is outside [1, 100]")));
  }
  if (flags.failure_limit < 1 || flags.failure_limit > 1000) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--failure-limit: ", flags.failure_limit, " is outside [1, 1000]")));
  }
  if (flags.redis_timeout_ms < 1) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--redis-timeout-ms: ", flags.redis_timeout_ms, " is not positive")));
  }
  if (absl::Status s =
          nasprune::CreateFlagDirectory("--artifact-dir", flags.artifact_dir);
      !s.ok()) {
    return Fail(s);
  }
  nasprune::StopSignals stop_signals;  // Before any thread starts.

  absl::StatusOr<std::unique_ptr<c::RedisStore>> store = c::RedisStore::Connect(
      {.redis = {.host = redis->host,
                 .port = redis->port,
                 .timeout = std::chrono::milliseconds(flags.redis_timeout_ms)},
       .key_prefix = flags.redis_prefix});
  if (!store.ok()) {
    std::cerr << "error: redis at " << flags.redis << ": "
              << store.status().message() << "\n";
    return 1;
  }
  nasprune::metrics::Registry registry;
  c::ControllerMetrics metrics(registry);
  // The health service follows readiness: set once the server runs.
  std::atomic<grpc::HealthCheckServiceInterface*> health{nullptr};
  std::atomic<c::JobManager*> loaded{nullptr};
  absl::StatusOr<std::unique_ptr<nasprune::redis::RedisClient>> probe =
      nasprune::redis::RedisClient::Connect(
          {.host = redis->host,
           .port = redis->port,
           .timeout = std::chrono::milliseconds(flags.redis_timeout_ms)});
  if (!probe.ok()) {
    std::cerr << "error: redis at " << flags.redis << ": "
              << probe.status().message() << "\n";
    return 1;
  }
  c::ControllerReadiness readiness(
      {.redis = *std::move(probe),
       .store_healthy =
           [&loaded] {
             c::JobManager* m = loaded.load();
             return m == nullptr || m->store_healthy();
           },
       .on_result =
           [&health](bool ready) {
             if (grpc::HealthCheckServiceInterface* h = health.load()) {
               SetServing(*h, ready);
             }
           }});
  std::unique_ptr<nasprune::metrics::MetricsServer> metrics_server;
  if (!flags.metrics_address.empty()) {
    // Before the jobs load, so that probes see "not ready" rather than no
    // answer while a large Redis is read.
    absl::StatusOr<std::unique_ptr<nasprune::metrics::MetricsServer>> started =
        nasprune::metrics::MetricsServer::Create(
            {.address = flags.metrics_address,
             .registry = &registry,
             .readiness = [&readiness] { return readiness.Check(); }});
    if (!started.ok()) return Fail(started.status());
    metrics_server = *std::move(started);
  }
  c::WorkerPool pool({.heartbeat_interval = std::chrono::milliseconds(
                          flags.heartbeat_interval_ms),
                      .failure_limit = flags.failure_limit});
  c::GrpcEvaluationClient client;
  absl::StatusOr<std::unique_ptr<c::JobManager>> manager =
      c::JobManager::Create({.store = store->get(),
                             .pool = &pool,
                             .client = &client,
                             .metrics = &metrics,
                             .artifact_dir = flags.artifact_dir,
                             .max_attempts = flags.max_attempts,
                             .on_store_health = [&health](bool healthy) {
                               if (grpc::HealthCheckServiceInterface* h =
                                       health.load()) {
                                 SetServing(*h, healthy);
                               }
                             }});
  if (!manager.ok()) {
    std::cerr << "error: cannot load the jobs from redis at " << flags.redis
              << ": " << manager.status().message() << "\n";
    return 1;
  }
  c::ControllerServiceImpl controller_service(manager->get(), &pool);
  c::RegistryServiceImpl registry_service(
      &pool, [m = manager->get()](const c::WorkerPool::Lost& lost) {
        m->OnWorkerLost(lost);
      });
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.RegisterService(&controller_service);
  builder.RegisterService(&registry_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    std::cerr << "error: cannot listen on " << flags.listen << "\n";
    return 1;
  }
  health = server->GetHealthCheckService();
  loaded = manager->get();
  readiness.SetServing();
  SetServing(*health.load(), readiness.Check().ok());
  (*manager)->Start();
  std::cerr << "nasprune-controller: serving on " << flags.listen << ", redis "
            << flags.redis << ", artifacts in "
            << (flags.artifact_dir.empty() ? "(none)" : flags.artifact_dir);
  if (metrics_server) {
    std::cerr << ", metrics on port " << metrics_server->port();
  }
  std::cerr << "\n";
  const int signal = stop_signals.Wait();
  std::cerr << "nasprune-controller: signal " << signal << ", stopping\n";
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  (*manager)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Mutex deadlock detection (on in Debian's abseil) costs a graph lookup
  // per lock on the scheduler's hot path; lock order is fixed by design.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "nasprune-controller: runs search jobs on registered workers, keeping "
      "them in Redis"};
  app.set_version_flag(
      "--version", std::string("nasprune-controller ") + nasprune::kVersion);
  Flags flags;
  app.add_option("--listen", flags.listen,
                 "HOST:PORT for the API and the worker registry")
      ->capture_default_str();
  app.add_option("--redis", flags.redis, "Redis HOST:PORT (AOF on)")
      ->capture_default_str();
  app.add_option("--redis-prefix", flags.redis_prefix,
                 "Prefix of every Redis key")
      ->capture_default_str();
  app.add_option("--redis-timeout-ms", flags.redis_timeout_ms,
                 "Timeout of one Redis command")
      ->capture_default_str();
  app.add_option("--artifact-dir", flags.artifact_dir,
                 "Directory shared with the workers where exported models "
                 "are kept as <sha256>.pt (empty: no downloads)")
      ->capture_default_str();
  app.add_option("--heartbeat-interval-ms", flags.heartbeat_interval_ms,
                 "Worker heartbeat interval; a worker silent for two is lost")
      ->capture_default_str();
  app.add_option("--metrics-address", flags.metrics_address,
                 "HOST:PORT of /metrics, /healthz and /readyz (HOST an IPv4 "
                 "address or localhost, PORT 0 for any; empty: none)")
      ->capture_default_str();
  app.add_option("--max-attempts", flags.max_attempts,
                 "Dispatches of one trial before it fails")
      ->capture_default_str();
  app.add_option("--failure-limit", flags.failure_limit,
                 "Consecutive retryable failures that take a worker out of "
                 "rotation")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return Serve(flags);
}
