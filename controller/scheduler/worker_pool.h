#ifndef NASPRUNE_CONTROLLER_SCHEDULER_WORKER_POOL_H_
#define NASPRUNE_CONTROLLER_SCHEDULER_WORKER_POOL_H_

// The controller's view of its workers (DESIGN §6): registrations and
// leases, heartbeats, loss detection, slot accounting for dispatch,
// cancellation requests, and taking failing workers out of rotation.
// Plain C++: the gRPC WorkerRegistry service and the dispatcher call it.
//
// - Register gives a new lease; a worker that registers again under the same
//   name (it restarted) loses its old lease, and the trials it ran are
//   reported lost.
// - A heartbeat with an unknown lease is answered "unknown", so the worker
//   registers again (after a controller restart, or once declared lost).
// - A worker not heard from for `missed_heartbeats` intervals is lost:
//   Expire removes it and returns its trials for re-queueing.
// - Acquire picks a worker with a free slot (the one with the most free
//   slots; ties to the name) for a trial (dropping any earlier assignment
//   of the same trial); Release frees it.
// - A heartbeat that reports a trial the pool does not place on that worker
//   (one re-queued when the worker was declared lost) asks the worker to
//   stop it.
// - A worker whose last `failure_limit` evaluations all failed retryably
//   (not because of the genome) is taken out of rotation: it keeps its lease
//   but gets no trials until it registers again or `rotation_cooldown`
//   passes (then it gets one trial to prove itself).
//
// Thread-safe.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::controller {

class WorkerPool {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::chrono::milliseconds heartbeat_interval{1000};
    int missed_heartbeats = 2;
    int failure_limit = 3;
    // A worker out of rotation this long gets one more chance (one trial;
    // a further failure takes it out again), so a fault that hit every
    // worker at once does not stall the cluster for good.
    std::chrono::milliseconds rotation_cooldown{60000};
    // For tests; defaults to Clock::now.
    std::function<Clock::time_point()> now;
  };

  // A worker's trials, when it is lost.
  struct Lost {
    std::string worker;
    std::vector<std::string> trial_ids;
  };

  explicit WorkerPool(Options options);

  // INVALID_ARGUMENT naming the field for a bad request. `lost` receives the
  // trials of the worker's previous registration, if any.
  absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest& r,
                                                Lost* lost);
  v1::HeartbeatResponse Heartbeat(const v1::HeartbeatRequest& r);
  // Removes the workers not heard from in time; their trials.
  std::vector<Lost> Expire();
  // Removes a worker found lost another way (its stream broke), if it is
  // still on `lease_id` (not registered again since); its trials. A worker
  // still alive registers again at its next heartbeat. Nullopt otherwise.
  std::optional<Lost> Remove(const std::string& worker,
                             const std::string& lease_id);

  // The address and name of a worker with a free slot now running
  // `trial_id`, or nullopt when every slot is busy. Workers in `avoid`
  // (those that failed the trial before) are used only when no other
  // worker is in rotation; while one is, the trial waits for its slot.
  struct Slot {
    std::string worker;
    std::string address;
    std::string evaluator_version;
    std::string lease_id;  // The registration the slot belongs to.
  };
  std::optional<Slot> Acquire(const std::string& trial_id,
                              const std::set<std::string>& avoid = {});
  // How a slot's evaluation ended, for rotation.
  enum class Outcome {
    kSucceeded,  // Or failed because of its genome: resets the count.
    // Failed for a reason other than its genome: counts toward taking the
    // worker out of rotation.
    kRetryableFailure,
    kNotRun,  // Never started (answered by the cache): counts for nothing.
  };
  // Frees the trial's slot.
  void Release(const std::string& trial_id, Outcome outcome);
  // Asks the worker running the trial to stop it (at its next heartbeat).
  void RequestCancel(const std::string& trial_id);

  int free_slots() const;
  int total_slots() const;
  std::vector<std::string> Workers() const;
  bool InRotation(const std::string& worker) const;

 private:
  struct Worker {
    v1::RegisterRequest info;
    std::string lease_id;
    Clock::time_point last_seen;
    std::set<std::string> trials;
    std::set<std::string> to_cancel;
    int consecutive_failures = 0;
    bool in_rotation = true;
    Clock::time_point out_since;
  };
  Clock::time_point Now() const;
  // The worker's trials, forgotten (the caller erases the worker). Requires
  // mu_.
  Lost Drop(const std::string& worker);

  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, Worker> workers_;            // By name.
  std::map<std::string, std::string> trial_worker_;  // Trial → worker.
  uint64_t next_lease_ = 1;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SCHEDULER_WORKER_POOL_H_
