#ifndef NASPRUNE_WORKER_SERVICE_DRAIN_H_
#define NASPRUNE_WORKER_SERVICE_DRAIN_H_

// `nasprune-worker drain`: tells a worker to drain (Worker.Drain: it takes
// no new evaluations and says so to its controller at once) and waits until
// it runs nothing, polling Worker.Status. A Kubernetes preStop hook runs it
// before the pod's SIGTERM, so a planned stop loses no evaluation that can
// finish within the grace period.

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace nasprune::worker {

struct DrainOptions {
  std::string address;  // The worker's HOST:PORT.
  // How long to wait for running evaluations; 0: do not wait.
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds poll{500};
  // Each line of progress ("draining: 2 evaluations running").
  std::function<void(const std::string&)> log;
};

// OK once the worker runs nothing (at once when it ran nothing, or with a
// timeout of 0 once it was told); DEADLINE_EXCEEDED naming the trials still
// running when the timeout passes; UNAVAILABLE naming the address when the
// worker cannot be reached.
absl::Status DrainWorker(const DrainOptions& options);

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_SERVICE_DRAIN_H_
