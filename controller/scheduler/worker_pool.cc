#include "controller/scheduler/worker_pool.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/field_errors.h"

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

WorkerPool::Clock::time_point WorkerPool::Now() const {
  return options_.now ? options_.now() : Clock::now();
}

absl::StatusOr<v1::RegisterResponse> WorkerPool::Register(
    const v1::RegisterRequest& r, Lost* lost) {
  FieldErrors errors;
  if (!ValidName(r.name())) {
    errors.Add("name", "must be 1 to 253 of [A-Za-z0-9._-]");
  }
  if (r.address().empty()) errors.Add("address", "required");
  errors.CheckRange("slots", r.slots(), 1, 1024);
  if (r.evaluator_version().empty())
    errors.Add("evaluator_version", "required");
  if (!errors.ok()) return errors.ToStatus();

  std::lock_guard<std::mutex> lock(mu_);
  Lost previous{.worker = r.name()};
  if (workers_.contains(r.name())) previous = Drop(r.name());
  if (lost != nullptr) *lost = std::move(previous);
  Worker& w = workers_[r.name()];
  w = Worker();
  w.info = r;
  w.lease_id = absl::StrCat(r.name(), "/", next_lease_++);
  w.last_seen = Now();
  v1::RegisterResponse response;
  response.set_lease_id(w.lease_id);
  response.set_heartbeat_interval_ms(options_.heartbeat_interval.count());
  return response;
}

v1::HeartbeatResponse WorkerPool::Heartbeat(const v1::HeartbeatRequest& r) {
  v1::HeartbeatResponse response;
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = workers_.find(r.name());
  if (it == workers_.end() || it->second.lease_id != r.lease_id()) {
    response.set_known(false);
    return response;
  }
  Worker& w = it->second;
  w.last_seen = Now();
  response.set_known(true);
  // Trials it runs that are not (or no longer) its own here, such as those
  // re-queued when it was declared lost, are stopped.
  for (const std::string& t : r.running_trial_ids()) {
    if (!w.trials.contains(t)) w.to_cancel.insert(t);
  }
  for (const std::string& t : w.to_cancel) response.add_cancel_trial_ids(t);
  w.to_cancel.clear();
  return response;
}

std::vector<WorkerPool::Lost> WorkerPool::Expire() {
  std::vector<Lost> lost;
  std::lock_guard<std::mutex> lock(mu_);
  const auto deadline =
      Now() - options_.missed_heartbeats * options_.heartbeat_interval;
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
  std::lock_guard<std::mutex> lock(mu_);
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
    const std::string& trial_id, const std::set<std::string>& avoid) {
  std::lock_guard<std::mutex> lock(mu_);
  // A trial runs in one slot: an earlier assignment is dropped.
  if (auto t = trial_worker_.find(trial_id); t != trial_worker_.end()) {
    if (auto w = workers_.find(t->second); w != workers_.end()) {
      w->second.trials.erase(trial_id);
    }
    trial_worker_.erase(t);
  }
  const Clock::time_point now = Now();
  for (auto& [name, w] : workers_) {
    if (!w.in_rotation && now - w.out_since >= options_.rotation_cooldown) {
      w.in_rotation = true;  // On probation: one failure takes it out.
      w.consecutive_failures = options_.failure_limit - 1;
    }
  }
  Worker* best = nullptr;
  int best_free = 0;
  bool others = false;  // A worker in rotation outside `avoid`.
  for (auto& [name, w] : workers_) {
    if (!w.in_rotation || avoid.contains(name)) continue;
    others = true;
    const int free = w.info.slots() - static_cast<int>(w.trials.size());
    if (free > best_free) {
      best = &w;
      best_free = free;
    }
  }
  if (best == nullptr && !others) {
    // Only avoided workers are left: better one of them than none.
    for (auto& [name, w] : workers_) {
      const int free = w.info.slots() - static_cast<int>(w.trials.size());
      if (w.in_rotation && free > best_free) {
        best = &w;
        best_free = free;
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
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = trial_worker_.find(trial_id);
  if (t == trial_worker_.end()) return;
  const auto w = workers_.find(t->second);
  trial_worker_.erase(t);
  if (w == workers_.end()) return;
  w->second.trials.erase(trial_id);
  w->second.to_cancel.erase(trial_id);
  if (outcome == Outcome::kSucceeded) {
    w->second.consecutive_failures = 0;
  } else if (outcome == Outcome::kRetryableFailure &&
             ++w->second.consecutive_failures >= options_.failure_limit) {
    w->second.in_rotation = false;
    w->second.out_since = Now();
  }
}

void WorkerPool::RequestCancel(const std::string& trial_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto t = trial_worker_.find(trial_id);
  if (t == trial_worker_.end()) return;
  if (auto w = workers_.find(t->second); w != workers_.end()) {
    w->second.to_cancel.insert(trial_id);
  }
}

int WorkerPool::free_slots() const {
  std::lock_guard<std::mutex> lock(mu_);
  int free = 0;
  for (const auto& [name, w] : workers_) {
    if (w.in_rotation) {
      free += w.info.slots() - static_cast<int>(w.trials.size());
    }
  }
  return free;
}

int WorkerPool::total_slots() const {
  std::lock_guard<std::mutex> lock(mu_);
  int total = 0;
  for (const auto& [name, w] : workers_) total += w.info.slots();
  return total;
}

std::vector<std::string> WorkerPool::Workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, w] : workers_) names.push_back(name);
  return names;
}

bool WorkerPool::InRotation(const std::string& worker) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = workers_.find(worker);
  return it != workers_.end() && it->second.in_rotation;
}

}  // namespace nasprune::controller
