#include "worker/service/slots.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace nasprune::worker {

SlotTable::SlotTable(int slots) : size_(std::max(1, slots)), slots_(size_) {}

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
  absl::MutexLock lock(&mu_);
  if (Find(trial_id) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("trial ", trial_id, " is already running here"));
  }
  if (draining_) {
    return absl::ResourceExhaustedError(
        "this worker drains before it stops: it takes no new evaluations");
  }
  Slot* free = Find("");
  if (free == nullptr) {
    turned_away_ = true;
    return absl::ResourceExhaustedError(absl::StrCat(
        "all ", slots_.size(), " evaluation slots of this worker are busy"));
  }
  free->trial_id = trial_id;
  free->phase = v1::PHASE_SETUP;
  free->canceller = std::make_shared<Canceller>();
  return free->canceller;
}

void SlotTable::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

bool SlotTable::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

bool SlotTable::Release(const std::string& trial_id, Outcome outcome) {
  absl::MutexLock lock(&mu_);
  Slot* slot = Find(trial_id);
  if (slot == nullptr) return false;
  *slot = Slot();
  if (outcome == Outcome::kSucceeded) ++completed_;
  if (outcome == Outcome::kFailed) ++failed_;
  const bool turned_away = turned_away_;
  turned_away_ = false;
  return turned_away;
}

void SlotTable::SetPhase(const std::string& trial_id, v1::Phase phase) {
  absl::MutexLock lock(&mu_);
  if (Slot* slot = Find(trial_id)) slot->phase = phase;
}

bool SlotTable::Cancel(const std::string& trial_id) {
  std::shared_ptr<Canceller> canceller;
  {
    absl::MutexLock lock(&mu_);
    Slot* slot = trial_id.empty() ? nullptr : Find(trial_id);
    if (slot == nullptr) return false;
    canceller = slot->canceller;
  }
  canceller->Cancel();
  return true;
}

std::vector<v1::SlotStatus> SlotTable::Snapshot() const {
  absl::MutexLock lock(&mu_);
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
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const Slot& s : slots_) {
    if (!s.trial_id.empty()) out.push_back(s.trial_id);
  }
  return out;
}

int SlotTable::busy() const {
  absl::MutexLock lock(&mu_);
  int busy = 0;
  for (const Slot& s : slots_) busy += !s.trial_id.empty();
  return busy;
}

int64_t SlotTable::completed() const {
  absl::MutexLock lock(&mu_);
  return completed_;
}

int64_t SlotTable::failed() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

}  // namespace nasprune::worker
