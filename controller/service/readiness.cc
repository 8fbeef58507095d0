#include "controller/service/readiness.h"

#include "absl/strings/str_cat.h"

namespace nasprune::controller {
namespace {

absl::Status Evaluate(bool serving, redis::RedisClient& redis,
                      const std::function<bool()>& store_healthy) {
  if (!serving) {
    return absl::UnavailableError(
        "loading the jobs from Redis; the API is not serving yet");
  }
  absl::StatusOr<redis::Reply> pong = redis.Command({"PING"});
  if (!pong.ok()) {
    return absl::UnavailableError(
        absl::StrCat("redis does not answer: ", pong.status().message()));
  }
  if (store_healthy && !store_healthy()) {
    return absl::UnavailableError("the last write to redis failed");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ControllerReadiness::Check() {
  const absl::Status ready =
      Evaluate(serving_, *options_.redis, options_.store_healthy);
  if (options_.on_result) options_.on_result(ready.ok());
  return ready;
}

}  // namespace nasprune::controller
