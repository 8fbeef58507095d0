#ifndef NASPRUNE_COMMON_REDIS_REDIS_CLIENT_H_
#define NASPRUNE_COMMON_REDIS_REDIS_CLIENT_H_

// A small synchronous Redis client over hiredis: binary-safe commands and
// MULTI/EXEC transactions, a timeout on every call, and one reconnect on a
// broken connection (so a restarted Redis is picked up by the next call).
//
// Thread-safe: each call takes a connection of its own from a pool (made on
// demand and kept for the next call), so concurrent callers do not wait for
// one another.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct redisContext;

namespace nasprune::redis {

// A Redis reply.
struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string string;  // kString and kStatus.
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray.
};

class RedisClient {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::chrono::milliseconds timeout{2000};
  };

  // UNAVAILABLE when no connection can be made.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Connect(Options options);
  ~RedisClient();

  // Runs one command. UNAVAILABLE when Redis cannot be reached (after one
  // reconnect), INTERNAL for an error reply (its message included).
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);

  // Runs the commands as one MULTI/EXEC transaction; their replies.
  absl::StatusOr<std::vector<Reply>> Transaction(
      const std::vector<std::vector<std::string>>& commands);

 private:
  explicit RedisClient(Options options) : options_(std::move(options)) {}
  // A new connection; UNAVAILABLE when none can be made.
  absl::StatusOr<redisContext*> Dial() const;
  // Sends `commands` pipelined on `context` and reads one reply each.
  absl::StatusOr<std::vector<Reply>> Pipeline(
      redisContext* context,
      const std::vector<std::vector<std::string>>& commands) const;
  // Pipeline on an idle connection, and once more on a new one when that
  // connection turns out broken.
  absl::StatusOr<std::vector<Reply>> PipelineWithRetry(
      const std::vector<std::vector<std::string>>& commands);

  const Options options_;
  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nasprune::redis

#endif  // NASPRUNE_COMMON_REDIS_REDIS_CLIENT_H_
