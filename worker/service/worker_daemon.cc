#include "worker/service/worker_daemon.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/daemon/host_port.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace nasprune::worker {

WorkerDaemon::WorkerDaemon(Options options, WorkerIdentity identity)
    : options_(std::move(options)),
      identity_(std::move(identity)),
      slots_(options_.slots) {}

absl::StatusOr<std::unique_ptr<WorkerDaemon>> WorkerDaemon::Create(
    Options options) {
  if (options.evaluator == nullptr || options.clock == nullptr) {
    return absl::InvalidArgumentError(
        "WorkerDaemon needs an evaluator and a clock");
  }
  if (options.slots < 1 || options.slots > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots: ", options.slots, " is outside [1, 1024]"));
  }
  absl::StatusOr<HostPort> listen = ParseHostPort("listen", options.listen);
  if (!listen.ok()) return listen.status();
  if (!options.controller.empty()) {
    if (absl::StatusOr<HostPort> c =
            ParseHostPort("controller", options.controller);
        !c.ok()) {
      return c.status();
    }
  }
  // The identity (name, address) is known before serving: `listen` names
  // its port.
  const Evaluator::Info info = options.evaluator->info();
  WorkerIdentity identity{.device = info.device,
                          .evaluator_version = info.version,
                          .synthetic = info.synthetic};
  const bool wildcard = listen->host == "0.0.0.0" || listen->host == "[::]";
  identity.address = !options.advertise.empty()
                         ? options.advertise
                         : absl::StrCat(wildcard ? "127.0.0.1" : listen->host,
                                        ":", listen->port);
  if (!options.name.empty()) {
    identity.name = options.name;
  } else {
    char hostname[256] = {};
    gethostname(hostname, sizeof(hostname) - 1);
    identity.name = absl::StrCat(hostname, "-", listen->port);
  }

  auto daemon = std::unique_ptr<WorkerDaemon>(
      new WorkerDaemon(std::move(options), std::move(identity)));
  const Options& o = daemon->options_;
  WorkerDaemon* self = daemon.get();
  if (!o.controller.empty()) {
    daemon->registrar_ = std::make_unique<Registrar>(Registrar::Options{
        .controller_address = o.controller,
        .identity = daemon->identity_,
        .slots = &daemon->slots_,
        .clock = o.clock,
        // Runs between Start and Stop, while the server exists.
        .on_connected = [self](bool connected) { self->SetReady(connected); }});
  }
  Registrar* registrar = daemon->registrar_.get();
  daemon->service_ = std::make_unique<WorkerServiceImpl>(
      WorkerServiceImpl::Options{.identity = daemon->identity_,
                                 .slots = &daemon->slots_,
                                 .evaluator = o.evaluator,
                                 .metrics = o.metrics,
                                 .heartbeat_now = [registrar] {
                                   if (registrar) registrar->Nudge();
                                 }});
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(),
                           &daemon->port_);
  builder.RegisterService(daemon->service_.get());
  daemon->server_ = builder.BuildAndStart();
  if (daemon->server_ == nullptr || daemon->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("listen: cannot listen on ", o.listen));
  }
  // "" answers SERVING while the process serves (liveness); the Worker
  // service follows readiness: registered and heard by the controller, or
  // at once without one.
  daemon->SetReady(registrar == nullptr);
  if (registrar != nullptr) registrar->Start();
  return daemon;
}

WorkerDaemon::~WorkerDaemon() { Stop(); }

void WorkerDaemon::Stop() {
  if (server_ == nullptr) return;
  if (registrar_) registrar_->Stop();
  // Running evaluations are told to stop; the grace bounds the wait.
  for (const std::string& id : slots_.Running()) slots_.Cancel(id);
  server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
  server_.reset();
}

void WorkerDaemon::SetReady(bool ready) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus(v1::Worker::service_full_name(), ready);
  }
}

absl::Status WorkerDaemon::Readiness() const {
  if (registrar_ == nullptr || registrar_->connected()) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      "not registered with the controller at ", options_.controller));
}

}  // namespace nasprune::worker
