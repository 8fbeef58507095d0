#ifndef NASPRUNE_CONTROLLER_SERVICE_READINESS_H_
#define NASPRUNE_CONTROLLER_SERVICE_READINESS_H_

// Whether the controller can take work, as /readyz and the gRPC health
// service report it: its jobs are loaded and its API serves, Redis answers
// a PING on a connection of its own, and the store's last write succeeded.

#include <atomic>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "common/redis/redis_client.h"

namespace nasprune::controller {

class ControllerReadiness {
 public:
  struct Options {
    std::unique_ptr<redis::RedisClient> redis;  // Required.
    // The store writer's health (JobManager::store_healthy); unset: healthy.
    std::function<bool()> store_healthy;
    // Told every check's answer (the gRPC health service follows it).
    std::function<void(bool ready)> on_result;
  };
  explicit ControllerReadiness(Options options)
      : options_(std::move(options)) {}

  // Called once the jobs are loaded and the API serves.
  void SetServing() { serving_ = true; }

  // OK when ready; otherwise UNAVAILABLE saying why. Thread-safe.
  absl::Status Check();

 private:
  Options options_;
  std::atomic<bool> serving_{false};
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SERVICE_READINESS_H_
