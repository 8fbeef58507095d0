#ifndef NASPRUNE_CONTROLLER_JOBS_EVENT_HUB_H_
#define NASPRUNE_CONTROLLER_JOBS_EVENT_HUB_H_

// Watching jobs (WatchJob in controller.proto): where a watch starts, the
// replay of a job's retained events (each job keeps its own, event_log.h),
// and telling watchers that their job has new events. No gRPC: the
// service's WatchJob reactor subscribes, opens, and reads after each
// notification.
//
// Threads. Subscribe, Unsubscribe, Open and Read are for any thread (RPC
// threads); Notify is for the scheduler thread, after each round, and runs
// the watchers' callbacks on it without locks held.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/jobs/job_registry.h"
#include "nasprune/v1/controller.pb.h"

namespace nasprune::controller {

class EventHub {
 public:
  // `registry` must outlive the hub.
  explicit EventHub(JobRegistry* registry) : registry_(registry) {}

  // Registers `notify`, called whenever `job_id` has new events; it must
  // not block. NOT_FOUND (naming job_id) for an unknown job.
  absl::StatusOr<int64_t> Subscribe(const std::string& job_id,
                                    std::function<void()> notify);
  // No notification starts after it returns, but one already on its way may
  // still run: `notify` must own (or share) what it touches.
  void Unsubscribe(int64_t subscription);

  // Where a watch starts (the rules are WatchJobRequest's): the snapshot
  // that opens a fresh watch, if any, and the sequence after which it reads.
  struct Start {
    std::optional<v1::JobEvent> snapshot;
    int64_t after = 0;
  };
  absl::StatusOr<Start> Open(const v1::WatchJobRequest& request);

  // The retained events after `after`, oldest first, at most `max` (from
  // the oldest retained when those right after `after` are gone). `ended`:
  // the job is final and nothing after the last returned remains.
  struct Events {
    std::vector<v1::JobEvent> events;
    bool ended = false;
  };
  absl::StatusOr<Events> Read(const std::string& job_id, int64_t after,
                              int max);

  // Calls the watchers of every job that has had events since the last
  // call.
  void Notify();

 private:
  struct Subscriber {
    std::string job_id;
    std::function<void()> notify;
  };

  JobRegistry* const registry_;
  // Scheduler thread only: each watched job's last sequence notified.
  std::map<std::string, int64_t> notified_;

  absl::Mutex mu_;
  std::map<int64_t, Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
  int64_t next_subscription_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_EVENT_HUB_H_
