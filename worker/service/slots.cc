#include "worker/service/slots.h"

#include "absl/strings/str_cat.h"

namespace nasprune::worker {

void Canceller::Cancel() {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    hook = hook_;
  }
  cv_.notify_all();
  if (hook) hook();
}

bool Canceller::WaitUntil(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (deadline > std::chrono::steady_clock::now()) {
    cv_.wait_until(lock, deadline, [this] { return cancelled_; });
  }
  return cancelled_;
}

bool Canceller::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

void Canceller::OnCancel(std::function<void()> hook) {
  bool run_now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = hook;
    run_now = cancelled_ && hook_;
  }
  if (run_now) hook();
}

SlotTable::SlotTable(int slots) : slots_(std::max(1, slots)) {}

SlotTable::Slot* SlotTable::Find(const std::string& trial_id) {
  for (Slot& s : slots_) {
    if (s.trial_id == trial_id) return &s;
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<Canceller>> SlotTable::Acquire(
    const std::string& trial_id) {
  if (trial_id.empty()) {
    return absl::InvalidArgumentError("trial_id: required");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (Find(trial_id) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("trial ", trial_id, " is already running here"));
  }
  Slot* free = Find("");
  if (free == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "all ", slots_.size(), " evaluation slots of this worker are busy"));
  }
  free->trial_id = trial_id;
  free->phase = v1::PHASE_SETUP;
  free->canceller = std::make_shared<Canceller>();
  return free->canceller;
}

void SlotTable::Release(const std::string& trial_id, Outcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  Slot* slot = Find(trial_id);
  if (slot == nullptr) return;
  *slot = Slot();
  if (outcome == Outcome::kSucceeded) ++completed_;
  if (outcome == Outcome::kFailed) ++failed_;
}

void SlotTable::SetPhase(const std::string& trial_id, v1::Phase phase) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Slot* slot = Find(trial_id)) slot->phase = phase;
}

bool SlotTable::Cancel(const std::string& trial_id) {
  std::shared_ptr<Canceller> canceller;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* slot = trial_id.empty() ? nullptr : Find(trial_id);
    if (slot == nullptr) return false;
    canceller = slot->canceller;
  }
  canceller->Cancel();
  return true;
}

std::vector<v1::SlotStatus> SlotTable::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::SlotStatus> out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    v1::SlotStatus s;
    s.set_index(static_cast<int>(i));
    s.set_trial_id(slots_[i].trial_id);
    s.set_phase(slots_[i].phase);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> SlotTable::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const Slot& s : slots_) {
    if (!s.trial_id.empty()) out.push_back(s.trial_id);
  }
  return out;
}

int64_t SlotTable::completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_;
}

int64_t SlotTable::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

}  // namespace nasprune::worker
