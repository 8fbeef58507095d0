#include "worker/service/registrar.h"

#include <algorithm>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace nasprune::worker {

Registrar::Registrar(Options options)
    : options_(std::move(options)),
      stub_(v1::WorkerRegistry::NewStub(grpc::CreateChannel(
          options_.controller_address, grpc::InsecureChannelCredentials()))) {}

Registrar::~Registrar() { Stop(); }

void Registrar::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Registrar::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Registrar::Nudge() {
  absl::MutexLock lock(&mu_);
  nudged_ = true;
}

bool Registrar::registered() const {
  absl::MutexLock lock(&mu_);
  return !lease_id_.empty();
}

Registrar::Wake Registrar::WaitUntil(absl::Time deadline, bool nudgeable) {
  absl::MutexLock lock(&mu_);
  auto woken = [this, nudgeable]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || (nudgeable && nudged_);
  };
  options_.clock->AwaitWithDeadline(&mu_, absl::Condition(&woken), deadline);
  if (stopping_) return Wake::kStop;
  if (nudgeable && nudged_) {
    nudged_ = false;
    return Wake::kNudge;
  }
  return Wake::kDeadline;
}

bool Registrar::Register() {
  v1::RegisterRequest request;
  const WorkerIdentity& id = options_.identity;
  request.set_name(id.name);
  request.set_address(id.address);
  request.set_device(id.device);
  request.set_slots(options_.slots->size());
  request.set_evaluator_version(id.evaluator_version);
  request.set_synthetic(id.synthetic);
  request.set_draining(options_.slots->draining());
  v1::RegisterResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       options_.call_deadline);
  const bool reached = stub_->Register(&context, request, &response).ok();
  reached_ = reached;
  if (!reached) return false;
  absl::MutexLock lock(&mu_);
  lease_id_ = response.lease_id();
  interval_ = absl::Milliseconds(
      std::max<int64_t>(10, response.heartbeat_interval_ms()));
  registrations_.fetch_add(1);
  return true;
}

bool Registrar::Heartbeat(absl::Duration interval) {
  v1::HeartbeatRequest request;
  request.set_name(options_.identity.name);
  {
    absl::MutexLock lock(&mu_);
    request.set_lease_id(lease_id_);
  }
  for (const std::string& id : options_.slots->Running()) {
    request.add_running_trial_ids(id);
  }
  request.set_draining(options_.slots->draining());
  v1::HeartbeatResponse response;
  grpc::ClientContext context;
  // No longer than an interval, so that beats keep their schedule.
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::min(options_.call_deadline, absl::ToChronoMilliseconds(interval)));
  const bool reached = stub_->Heartbeat(&context, request, &response).ok();
  reached_ = reached;
  if (!reached) return false;
  for (const std::string& id : response.cancel_trial_ids()) {
    options_.slots->Cancel(id);
  }
  if (!response.known()) {
    absl::MutexLock lock(&mu_);
    lease_id_.clear();
    return false;
  }
  return true;
}

void Registrar::ReportConnected() {
  const bool now = connected();
  if (now == reported_connected_) return;
  reported_connected_ = now;
  if (options_.on_connected) options_.on_connected(now);
}

void Registrar::Run() {
  Clock& clock = *options_.clock;
  absl::Duration backoff = absl::FromChrono(options_.min_backoff);
  absl::Time next_beat = clock.Now();
  bool nudged = false;  // The last beat was a nudge's.
  while (true) {
    if (!registered()) {
      const bool registered_now = Register();
      ReportConnected();
      if (registered_now) {
        // The first beat at once: it says what still runs here (trials of
        // an earlier registration), so the controller counts those slots
        // busy before it sends anything.
        backoff = absl::FromChrono(options_.min_backoff);
        next_beat = clock.Now();
        nudged = true;
        continue;
      }
      if (WaitUntil(clock.Now() + backoff, /*nudgeable=*/false) ==
          Wake::kStop) {
        return;
      }
      backoff = std::min(backoff * 2, absl::FromChrono(options_.max_backoff));
      continue;
    }
    absl::Duration interval;
    {
      absl::MutexLock lock(&mu_);
      interval = interval_;
    }
    // A fixed schedule: a slow call does not push the next beat back, and a
    // nudged beat comes on top of it.
    if (!nudged) {
      next_beat += interval;
      if (next_beat < clock.Now()) next_beat = clock.Now();
    }
    const Wake wake = WaitUntil(next_beat, /*nudgeable=*/true);
    if (wake == Wake::kStop) return;
    nudged = wake == Wake::kNudge;
    // A failed call keeps the lease: the controller may only be slow or
    // restarting, and its answer after a restart (unknown) re-registers.
    Heartbeat(interval);
    ReportConnected();
  }
}

}  // namespace nasprune::worker
