#ifndef NASPRUNE_WORKER_SERVICE_REGISTRAR_H_
#define NASPRUNE_WORKER_SERVICE_REGISTRAR_H_

// Keeps a worker registered with its controller (WorkerRegistry in
// proto/nasprune/v1/worker.proto): registers on start, retrying with
// exponential backoff while the controller is unreachable; heartbeats at
// the interval the controller asks for, reporting the running trials (and
// at once when Nudge says a slot just freed); registers again whenever a
// heartbeat answers that the controller does not know the worker (it
// restarted, or declared the worker lost); and stops the trials the
// controller asks it to cancel. Every call has a deadline.
//
// Thread-safe; runs on its own thread between Start and Stop, waiting on the
// injected clock.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "nasprune/v1/worker.grpc.pb.h"
#include "worker/service/slots.h"
#include "worker/service/worker_service.h"

namespace nasprune::worker {

class Registrar {
 public:
  struct Options {
    std::string controller_address;  // "host:port".
    WorkerIdentity identity;
    SlotTable* slots = nullptr;  // Must outlive the registrar.
    Clock* clock = Clock::Real();
    std::chrono::milliseconds call_deadline{5000};
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    // Called on the registrar's thread whenever connected() changes (first
    // when it first becomes true): the daemon's gRPC health follows it.
    std::function<void(bool connected)> on_connected;
  };

  explicit Registrar(Options options);
  ~Registrar();  // Stops.

  void Start();
  void Stop();
  // Heartbeats now rather than at the next beat (a slot freed).
  void Nudge();

  // Registrations that succeeded so far (re-registrations included).
  int64_t registrations() const { return registrations_.load(); }
  bool registered() const;
  // Registered, and the last call to the controller reached it (what the
  // worker's /readyz reports).
  bool connected() const { return registered() && reached_.load(); }

 private:
  void Run();
  // Calls on_connected when connected() differs from what it last said.
  void ReportConnected();
  bool Register();
  // False when the lease is unknown or the call failed. The call's deadline
  // is at most `interval`.
  bool Heartbeat(absl::Duration interval);
  // Waits until `deadline`, a nudge (when `nudgeable`) or Stop.
  enum class Wake { kDeadline, kNudge, kStop };
  Wake WaitUntil(absl::Time deadline, bool nudgeable);

  const Options options_;
  std::unique_ptr<v1::WorkerRegistry::Stub> stub_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool nudged_ ABSL_GUARDED_BY(mu_) = false;
  std::string lease_id_ ABSL_GUARDED_BY(mu_);
  absl::Duration interval_ ABSL_GUARDED_BY(mu_) = absl::Seconds(1);
  std::atomic<int64_t> registrations_{0};
  std::atomic<bool> reached_{false};
  bool reported_connected_ = false;  // The registrar thread's alone.
  std::thread thread_;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_REGISTRAR_H_
