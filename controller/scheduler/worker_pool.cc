#include "controller/scheduler/worker_pool.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/field_errors.h"
#include "common/time/proto_time.h"

namespace nasprune::controller {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {}

int WorkerPool::Busy(const Worker& w) {
  return static_cast<int>(w.trials.size() + w.stopping.size() +
                          w.strays.size());
}

int WorkerPool::Free(const Worker& w) {
  if (w.await_heartbeat || w.info.draining()) return 0;
  return std::max(0, w.info.slots() - Busy(w));
}

absl::StatusOr<v1::RegisterResponse> WorkerPool::Register(
    const v1::RegisterRequest& r, Lost* lost) {
  FieldErrors errors;
  if (!ValidName(r.name())) {
    errors.Add("name", "must be 1 to 253 of [A-Za-z0-9._-]");
  }
  if (r.address().empty()) errors.Add("address", "required");
  errors.CheckRange("slots", r.slots(), 1, 1024);
  if (r.evaluator_version().empty()) {
    errors.Add("evaluator_version", "required");
  }
  if (!errors.ok()) return errors.ToStatus();

  absl::MutexLock lock(&mu_);
  Lost previous{.worker = r.name()};
  if (workers_.contains(r.name())) previous = Drop(r.name());
  if (lost != nullptr) *lost = std::move(previous);
  Worker& w = workers_[r.name()];
  w = Worker();
  w.info = r;
  w.lease_id = absl::StrCat(r.name(), "/", next_lease_++);
  w.last_seen = options_.clock->Now();
  w.registered = w.last_seen;
  v1::RegisterResponse response;
  response.set_lease_id(w.lease_id);
  response.set_heartbeat_interval_ms(options_.heartbeat_interval.count());
  return response;
}

v1::HeartbeatResponse WorkerPool::Heartbeat(const v1::HeartbeatRequest& r) {
  v1::HeartbeatResponse response;
  absl::MutexLock lock(&mu_);
  const auto it = workers_.find(r.name());
  if (it == workers_.end() || it->second.lease_id != r.lease_id()) {
    response.set_known(false);
    return response;
  }
  Worker& w = it->second;
  w.last_seen = options_.clock->Now();
  w.await_heartbeat = false;
  if (r.draining()) w.info.set_draining(true);  // For the rest of its lease.
  response.set_known(true);
  const std::set<std::string> running(r.running_trial_ids().begin(),
                                      r.running_trial_ids().end());
  // Stopped trials it no longer runs free their slots; those it still
  // runs are asked to stop again (the call's cancellation may not have
  // reached it).
  std::erase_if(w.stopping,
                [&](const std::string& t) { return !running.contains(t); });
  w.strays.clear();
  for (const std::string& t : running) {
    if (w.stopping.contains(t)) w.to_cancel.insert(t);
    if (w.trials.contains(t) || w.stopping.contains(t) ||
        w.released.contains(t)) {
      continue;
    }
    // Not (or no longer) its own here, such as one re-queued when it was
    // declared lost: its slot is busy until it stops.
    w.strays.insert(t);
    w.to_cancel.insert(t);
  }
  w.released.clear();
  for (const std::string& t : w.to_cancel) response.add_cancel_trial_ids(t);
  w.to_cancel.clear();
  return response;
}

std::vector<WorkerPool::Lost> WorkerPool::Expire() {
  std::vector<Lost> lost;
  absl::MutexLock lock(&mu_);
  const absl::Time deadline =
      options_.clock->Now() - options_.missed_heartbeats *
                                  absl::FromChrono(options_.heartbeat_interval);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->second.last_seen >= deadline) {
      ++it;
      continue;
    }
    lost.push_back(Drop(it->first));
    it = workers_.erase(it);
  }
  return lost;
}

std::optional<WorkerPool::Lost> WorkerPool::Remove(
    const std::string& worker, const std::string& lease_id) {
  absl::MutexLock lock(&mu_);
  const auto it = workers_.find(worker);
  if (it == workers_.end() || it->second.lease_id != lease_id) {
    return std::nullopt;
  }
  Lost lost = Drop(worker);
  workers_.erase(worker);
  return lost;
}

WorkerPool::Lost WorkerPool::Drop(const std::string& worker) {
  Lost lost{.worker = worker};
  for (const std::string& t : workers_.at(worker).trials) {
    trial_worker_.erase(t);
    lost.trial_ids.push_back(t);
  }
  return lost;
}

std::optional<WorkerPool::Slot> WorkerPool::Acquire(
    const std::string& trial_id, const std::set<std::string>& avoid,
    const std::string& prefer) {
  absl::MutexLock lock(&mu_);
  // A trial runs in one slot: an earlier assignment is dropped.
  if (auto t = trial_worker_.find(trial_id); t != trial_worker_.end()) {
    if (auto w = workers_.find(t->second); w != workers_.end()) {
      w->second.trials.erase(trial_id);
    }
    trial_worker_.erase(t);
  }
  Reinstate();
  Worker* best = nullptr;
  int best_free = 0;
  bool others = false;  // A worker in rotation outside `avoid`.
  for (auto& [name, w] : workers_) {
    if (!w.in_rotation || avoid.contains(name)) continue;
    others = true;
    if (Free(w) > best_free) {
      best = &w;
      best_free = Free(w);
    }
  }
  if (auto p = workers_.find(prefer);
      p != workers_.end() && p->second.in_rotation && !avoid.contains(prefer) &&
      Free(p->second) > 0) {
    best = &p->second;
  }
  if (best == nullptr && !others) {
    // Only avoided workers are left: better one of them than none.
    for (auto& [name, w] : workers_) {
      if (w.in_rotation && Free(w) > best_free) {
        best = &w;
        best_free = Free(w);
      }
    }
  }
  if (best == nullptr) return std::nullopt;
  best->trials.insert(trial_id);
  trial_worker_[trial_id] = best->info.name();
  return Slot{.worker = best->info.name(),
              .address = best->info.address(),
              .evaluator_version = best->info.evaluator_version(),
              .lease_id = best->lease_id};
}

void WorkerPool::Release(const std::string& trial_id, Outcome outcome) {
  absl::MutexLock lock(&mu_);
  const auto t = trial_worker_.find(trial_id);
  if (t == trial_worker_.end()) return;
  const auto it = workers_.find(t->second);
  trial_worker_.erase(t);
  if (it == workers_.end()) return;
  Worker& w = it->second;
  w.trials.erase(trial_id);
  w.to_cancel.erase(trial_id);
  switch (outcome) {
    case Outcome::kSucceeded:
      w.consecutive_failures = 0;
      w.released.insert(trial_id);
      break;
    case Outcome::kRetryableFailure:
      w.released.insert(trial_id);
      if (++w.consecutive_failures >= options_.failure_limit) {
        w.in_rotation = false;
        w.out_since = options_.clock->Now();
      }
      break;
    case Outcome::kNotRun:
      break;
    case Outcome::kStopped:
      w.stopping.insert(trial_id);
      break;
    case Outcome::kBusy:
      w.await_heartbeat = true;
      break;
  }
}

void WorkerPool::RequestCancel(const std::string& trial_id) {
  absl::MutexLock lock(&mu_);
  const auto t = trial_worker_.find(trial_id);
  if (t == trial_worker_.end()) return;
  if (auto w = workers_.find(t->second); w != workers_.end()) {
    w->second.to_cancel.insert(trial_id);
  }
}

bool WorkerPool::Rotates(const Worker& w, absl::Time now) const {
  return w.in_rotation ||
         now - w.out_since >= absl::FromChrono(options_.rotation_cooldown);
}

void WorkerPool::Reinstate() {
  const absl::Time now = options_.clock->Now();
  for (auto& [name, w] : workers_) {
    if (!w.in_rotation && Rotates(w, now)) {
      w.in_rotation = true;  // On probation: one failure takes it out.
      w.consecutive_failures = options_.failure_limit - 1;
    }
  }
}

int WorkerPool::free_slots() {
  absl::MutexLock lock(&mu_);
  Reinstate();  // Else a cluster whose workers are all out stays so.
  int free = 0;
  for (const auto& [name, w] : workers_) {
    if (w.in_rotation) free += Free(w);
  }
  return free;
}

int WorkerPool::total_slots() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (const auto& [name, w] : workers_) total += w.info.slots();
  return total;
}

std::vector<std::string> WorkerPool::Workers() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, w] : workers_) names.push_back(name);
  return names;
}

std::vector<v1::WorkerInfo> WorkerPool::Describe() const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = options_.clock->Now();
  std::vector<v1::WorkerInfo> out;
  for (const auto& [name, w] : workers_) {
    v1::WorkerInfo& info = out.emplace_back();
    info.set_name(name);
    info.set_address(w.info.address());
    info.set_device(w.info.device());
    info.set_slots(w.info.slots());
    const int busy = Busy(w);
    info.set_busy_slots(std::min(busy, w.info.slots()));
    // One whose cooldown passed is back in rotation (Reinstate() makes it
    // so at the next dispatch).
    info.set_state(w.info.draining()  ? v1::WORKER_STATE_DRAINING
                   : !Rotates(w, now) ? v1::WORKER_STATE_OUT_OF_ROTATION
                   : busy > 0         ? v1::WORKER_STATE_BUSY
                                      : v1::WORKER_STATE_IDLE);
    info.set_evaluator_version(w.info.evaluator_version());
    info.set_synthetic(w.info.synthetic());
    for (const std::string& trial : w.trials) info.add_running_trial_ids(trial);
    *info.mutable_register_time() = ToProtoTime(w.registered);
    *info.mutable_last_heartbeat_time() = ToProtoTime(w.last_seen);
    info.set_consecutive_failures(w.consecutive_failures);
  }
  return out;
}

bool WorkerPool::InRotation(const std::string& worker) const {
  absl::MutexLock lock(&mu_);
  const auto it = workers_.find(worker);
  return it != workers_.end() && it->second.in_rotation;
}

}  // namespace nasprune::controller
