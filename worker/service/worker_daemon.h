#ifndef NASPRUNE_WORKER_SERVICE_WORKER_DAEMON_H_
#define NASPRUNE_WORKER_SERVICE_WORKER_DAEMON_H_

// The worker daemon (`nasprune-worker serve`): the Worker gRPC service and
// the gRPC health service on one port, the evaluation slots with a thread
// each, and registration with a controller (registrar.h), around an
// Evaluator (the LibTorch pipeline or the synthetic one). Create validates
// the options, binds the port and starts serving; Stop (or the destructor)
// stops heartbeating (the controller finds the worker lost after two missed
// intervals, or at once when its streams break), cancels the running
// evaluations and shuts the server down once they have ended.
//
// Thread-safe.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/time/clock.h"
#include "grpcpp/server.h"
#include "worker/evaluator/evaluator.h"
#include "worker/service/metrics.h"
#include "worker/service/registrar.h"
#include "worker/service/slots.h"
#include "worker/service/worker_service.h"

namespace nasprune::worker {

class WorkerDaemon {
 public:
  // Errors name these fields (the flags of `nasprune-worker serve` have the
  // same names).
  struct Options {
    // HOST:PORT to serve on. Required.
    std::string listen;
    // The address the controller dials; default: `listen`, with 127.0.0.1
    // for a wildcard host.
    std::string advertise;
    // The worker's name, unique in the cluster; default
    // "<hostname>-<port>".
    std::string name;
    // The controller's HOST:PORT to register with; empty: serve
    // unregistered.
    std::string controller;
    // Evaluations at once, in [1, 1024].
    int slots = 1;
    // Required; must outlive the daemon.
    Evaluator* evaluator = nullptr;
    // Optional; must outlive the daemon.
    WorkerMetrics* metrics = nullptr;
    Clock* clock = Clock::Real();
    // How long Stop lets calls run before gRPC cancels them; a call ends
    // once its evaluation returns (a cancelled one stops within a step).
    std::chrono::milliseconds shutdown_grace{10000};
  };

  // INVALID_ARGUMENT naming the field for bad options; UNAVAILABLE when the
  // port cannot be bound.
  static absl::StatusOr<std::unique_ptr<WorkerDaemon>> Create(Options options);
  ~WorkerDaemon();  // Stops.

  const WorkerIdentity& identity() const { return identity_; }
  int port() const { return port_; }

  // What /readyz says: OK when the worker is registered with its controller
  // and its last call reached it (always, for a worker started without
  // one); UNAVAILABLE otherwise. The gRPC health service says the same for
  // the service nasprune.v1.Worker ("" answers SERVING while it serves).
  absl::Status Readiness() const;

  void Stop();

 private:
  WorkerDaemon(Options options, WorkerIdentity identity);
  // The health of nasprune.v1.Worker.
  void SetReady(bool ready);

  const Options options_;
  const WorkerIdentity identity_;
  int port_ = 0;
  SlotTable slots_;
  std::unique_ptr<Registrar> registrar_;
  std::unique_ptr<WorkerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_WORKER_DAEMON_H_
