#ifndef NASPRUNE_CONTROLLER_SCHEDULER_WORKER_POOL_H_
#define NASPRUNE_CONTROLLER_SCHEDULER_WORKER_POOL_H_

// The controller's view of its workers: registrations and leases,
// heartbeats, loss detection, slot accounting for dispatch, cancellation
// requests, and taking failing workers out of rotation. Plain C++: the gRPC
// WorkerRegistry service and the scheduler call it.
//
// - Register gives a new lease; a worker that registers again under the same
//   name (it restarted) loses its old lease, and the trials it ran are
//   reported lost.
// - A heartbeat with an unknown lease is answered "unknown", so the worker
//   registers again (after a controller restart, or once declared lost).
// - A worker not heard from for `missed_heartbeats` intervals is lost:
//   Expire removes it and returns its trials for re-queueing.
// - Acquire picks a worker with a free slot (a preferred one when it has
//   one, else the one with the most free slots; ties to the name) for a
//   trial (dropping any earlier assignment of the same trial); Release
//   frees it.
// - Free slots follow what the worker reports. A slot whose evaluation the
//   controller stopped (a cancelled job, an early stop) stays busy until a
//   heartbeat no longer lists its trial: the worker may still be finishing
//   it. So does a trial the worker reports that the pool never gave it
//   (one from before a controller restart), which it is asked to stop. A
//   worker that turned a trial away because every slot was busy gets no
//   trial until its next heartbeat says what it runs.
// - A heartbeat that reports a trial the pool does not place on that worker
//   (one re-queued when the worker was declared lost) asks the worker to
//   stop it.
// - A worker that drains (its registration or a heartbeat says so, before
//   a planned stop) gets no trials; what it runs finishes as usual.
// - A worker whose last `failure_limit` evaluations all failed retryably
//   (not because of the genome) is taken out of rotation: it keeps its lease
//   but gets no trials until it registers again or `rotation_cooldown`
//   passes (then it gets one trial to prove itself).
//
// Thread-safe.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "nasprune/v1/controller.pb.h"
#include "nasprune/v1/worker.pb.h"

namespace nasprune::controller {

class WorkerPool {
 public:
  struct Options {
    std::chrono::milliseconds heartbeat_interval{1000};
    int missed_heartbeats = 2;
    int failure_limit = 3;
    // A worker out of rotation this long gets one more chance (one trial;
    // a further failure takes it out again), so a fault that hit every
    // worker at once does not stall the cluster for good.
    std::chrono::milliseconds rotation_cooldown{60000};
    Clock* clock = Clock::Real();
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
  // `prefer`: a worker to take when it has a free slot and is neither
  // avoided nor out of rotation (the one that ran the trial's lower rung,
  // whose parent store may hold what the trial needs).
  std::optional<Slot> Acquire(const std::string& trial_id,
                              const std::set<std::string>& avoid = {},
                              const std::string& prefer = "");
  // How a slot's evaluation ended.
  enum class Outcome {
    kSucceeded,  // Or failed because of its genome: resets the count.
    // Failed for a reason other than its genome: counts toward taking the
    // worker out of rotation.
    kRetryableFailure,
    kNotRun,  // Never sent (answered by the cache): counts for nothing.
    // The controller stopped it while it ran: the slot stays busy until a
    // heartbeat no longer lists the trial.
    kStopped,
    // The worker turned it away, every slot busy: it gets nothing more
    // until its next heartbeat.
    kBusy,
  };
  // Frees the trial's slot (see Outcome).
  void Release(const std::string& trial_id, Outcome outcome);
  // Asks the worker running the trial to stop it (at its next heartbeat).
  void RequestCancel(const std::string& trial_id);

  // Slots a trial could get now, over the workers in rotation (workers
  // whose cooldown has passed are back in it, on probation).
  int free_slots();
  int total_slots() const;
  std::vector<std::string> Workers() const;
  // Every registered worker as the public API shows it (ListWorkers), by
  // name.
  std::vector<v1::WorkerInfo> Describe() const;
  bool InRotation(const std::string& worker) const;

 private:
  struct Worker {
    v1::RegisterRequest info;
    std::string lease_id;
    absl::Time registered;
    absl::Time last_seen;
    std::set<std::string> trials;  // Given to it here, running.
    // Stopped here, maybe still running there (Outcome::kStopped).
    std::set<std::string> stopping;
    // Running there, never given to it here (the last heartbeat's).
    std::set<std::string> strays;
    // Released since the last heartbeat: one that heartbeat still lists
    // had ended by the time it was processed.
    std::set<std::string> released;
    std::set<std::string> to_cancel;
    bool await_heartbeat = false;  // It turned a trial away (kBusy).
    int consecutive_failures = 0;
    bool in_rotation = true;
    absl::Time out_since;
  };
  // Slots of `w` running (or finishing) a trial, and those a trial could
  // get now.
  static int Busy(const Worker& w);
  static int Free(const Worker& w);
  // Whether `w` is in rotation at `now`, or would be put back in it.
  bool Rotates(const Worker& w, absl::Time now) const;
  // Puts back in rotation, on probation, the workers whose cooldown passed.
  void Reinstate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The worker's trials, forgotten (the caller erases the worker).
  Lost Drop(const std::string& worker) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Worker> workers_ ABSL_GUARDED_BY(mu_);  // By name.
  // Trial → worker, for the trials given to workers (not those stopped).
  std::map<std::string, std::string> trial_worker_ ABSL_GUARDED_BY(mu_);
  uint64_t next_lease_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SCHEDULER_WORKER_POOL_H_
