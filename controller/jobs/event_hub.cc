#include "controller/jobs/event_hub.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nasprune::controller {

absl::StatusOr<int64_t> EventHub::Subscribe(const std::string& job_id,
                                            std::function<void()> notify) {
  {
    absl::ReaderMutexLock lock(&registry_->mu());
    if (absl::StatusOr<Job*> job = registry_->Require(job_id); !job.ok()) {
      return job.status();
    }
  }
  absl::MutexLock lock(&mu_);
  const int64_t id = next_subscription_++;
  subscribers_[id] = {.job_id = job_id, .notify = std::move(notify)};
  return id;
}

void EventHub::Unsubscribe(int64_t subscription) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscription);
}

absl::StatusOr<EventHub::Start> EventHub::Open(
    const v1::WatchJobRequest& request) {
  const int64_t after = request.after_sequence();
  if (after < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("after_sequence: ", after, " is negative"));
  }
  if (request.from_first_event() && after != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "from_first_event: only with after_sequence 0 (it is ", after, ")"));
  }
  absl::ReaderMutexLock lock(&registry_->mu());
  absl::StatusOr<Job*> job = registry_->Require(request.job_id());
  if (!job.ok()) return job.status();
  const EventLog& log = (*job)->events();
  Start start;
  if (request.from_first_event()) {
    start.after = log.first_retained() - 1;
  } else if (after > 0 && after <= log.last_sequence()) {
    start.after = after;
  } else {
    // A fresh watch: the status as it is, then what follows it.
    v1::JobEvent snapshot;
    snapshot.set_sequence(0);
    *snapshot.mutable_status() = (*job)->status();
    start.snapshot = std::move(snapshot);
    start.after = log.last_sequence();
  }
  return start;
}

absl::StatusOr<EventHub::Events> EventHub::Read(const std::string& job_id,
                                                int64_t after, int max) {
  absl::ReaderMutexLock lock(&registry_->mu());
  absl::StatusOr<Job*> job = registry_->Require(job_id);
  if (!job.ok()) return job.status();
  Events events;
  events.events = (*job)->events().After(after, max);
  const int64_t last =
      events.events.empty() ? after : events.events.back().sequence();
  events.ended = (*job)->final() && last >= (*job)->last_sequence();
  return events;
}

void EventHub::Notify() {
  std::set<std::string> watched;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, subscriber] : subscribers_) {
      watched.insert(subscriber.job_id);
    }
  }
  // Jobs no longer watched are forgotten; a new watcher reads on its own.
  for (auto it = notified_.begin(); it != notified_.end();) {
    it = watched.contains(it->first) ? std::next(it) : notified_.erase(it);
  }
  std::set<std::string> changed;
  {
    absl::ReaderMutexLock lock(&registry_->mu());
    for (const std::string& job_id : watched) {
      const Job* job = registry_->Find(job_id);
      if (job == nullptr) continue;
      auto [it, added] = notified_.try_emplace(job_id, job->last_sequence());
      if (added || job->last_sequence() > it->second) {
        it->second = job->last_sequence();
        changed.insert(job_id);
      }
    }
  }
  if (changed.empty()) return;
  std::vector<std::function<void()>> calls;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, subscriber] : subscribers_) {
      if (changed.contains(subscriber.job_id)) {
        calls.push_back(subscriber.notify);
      }
    }
  }
  for (const std::function<void()>& call : calls) call();
}

}  // namespace nasprune::controller
