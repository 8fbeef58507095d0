#ifndef NASPRUNE_WORKER_SERVICE_REGISTRAR_H_
#define NASPRUNE_WORKER_SERVICE_REGISTRAR_H_

// Keeps a worker registered with its controller (WorkerRegistry in
// proto/nasprune/v1/worker.proto): registers on start, retrying with
// exponential backoff while the controller is unreachable; heartbeats at
// the interval the controller asks for, reporting the running trials;
// registers again whenever a heartbeat answers that the controller does not
// know the worker (it restarted, or declared the worker lost); and stops the
// trials the controller asks it to cancel. Every call has a deadline.
//
// Thread-safe; runs on its own thread between Start and Stop.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

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
    std::chrono::milliseconds call_deadline{5000};
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
  };

  explicit Registrar(Options options);
  ~Registrar();  // Stops.

  void Start();
  void Stop();

  // Registrations that succeeded so far (re-registrations included).
  int64_t registrations() const { return registrations_.load(); }
  bool registered() const;

 private:
  void Run();
  bool Register();
  // False when the lease is unknown or the call failed. The call's deadline
  // is at most `interval`.
  bool Heartbeat(std::chrono::milliseconds interval);
  // Waits `d` or until Stop; false when stopping.
  bool Wait(std::chrono::milliseconds d);

  Options options_;
  std::unique_ptr<v1::WorkerRegistry::Stub> stub_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string lease_id_;
  std::chrono::milliseconds interval_{1000};
  std::atomic<int64_t> registrations_{0};
  std::thread thread_;
};

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_REGISTRAR_H_
