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
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Registrar::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Registrar::registered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !lease_id_.empty();
}

bool Registrar::Wait(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
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
  v1::RegisterResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       options_.call_deadline);
  if (!stub_->Register(&context, request, &response).ok()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  lease_id_ = response.lease_id();
  interval_ = std::chrono::milliseconds(
      std::max<int64_t>(10, response.heartbeat_interval_ms()));
  registrations_.fetch_add(1);
  return true;
}

bool Registrar::Heartbeat(std::chrono::milliseconds interval) {
  v1::HeartbeatRequest request;
  request.set_name(options_.identity.name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    request.set_lease_id(lease_id_);
  }
  for (const std::string& id : options_.slots->Running()) {
    request.add_running_trial_ids(id);
  }
  v1::HeartbeatResponse response;
  grpc::ClientContext context;
  // No longer than an interval, so that beats keep their schedule.
  context.set_deadline(std::chrono::system_clock::now() +
                       std::min(options_.call_deadline, interval));
  if (!stub_->Heartbeat(&context, request, &response).ok()) return false;
  for (const std::string& id : response.cancel_trial_ids()) {
    options_.slots->Cancel(id);
  }
  if (!response.known()) {
    std::lock_guard<std::mutex> lock(mu_);
    lease_id_.clear();
    return false;
  }
  return true;
}

void Registrar::Run() {
  std::chrono::milliseconds backoff = options_.min_backoff;
  auto next_beat = std::chrono::steady_clock::now();
  while (true) {
    if (!registered()) {
      if (Register()) {
        backoff = options_.min_backoff;
        next_beat = std::chrono::steady_clock::now();
        continue;
      }
      if (!Wait(backoff)) return;
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    std::chrono::milliseconds interval;
    {
      std::lock_guard<std::mutex> lock(mu_);
      interval = interval_;
    }
    // A fixed schedule: a slow call does not push the next beat back.
    next_beat += interval;
    const auto now = std::chrono::steady_clock::now();
    if (next_beat < now) next_beat = now;
    if (!Wait(std::chrono::duration_cast<std::chrono::milliseconds>(next_beat -
                                                                    now))) {
      return;
    }
    // A failed call keeps the lease: the controller may only be slow or
    // restarting, and its answer after a restart (unknown) re-registers.
    Heartbeat(interval);
  }
}

}  // namespace nasprune::worker
