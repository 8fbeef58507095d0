#ifndef NASPRUNE_TESTS_TESTING_REDIS_SERVER_H_
#define NASPRUNE_TESTS_TESTING_REDIS_SERVER_H_

// A real redis-server for tests: its own temp directory, a free loopback
// port, AOF persistence on, RDB snapshots off.

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "common/redis/redis_client.h"
#include "tests/testing/process.h"

namespace nasprune::testing {

class RedisServer {
 public:
  ~RedisServer() {
    Kill();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // Starts redis-server in a new, empty directory under `parent` (removed
  // with this object), so no earlier run's data is loaded.
  bool Start(const std::string& parent) {
    std::string pattern = parent + "/redis-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) return false;
    dir_ = pattern;
    port_ = FreePort();
    return Restart();
  }

  // Starts it again on the same port and directory (after Stop or Kill).
  bool Restart() {
    if (!process_.Start(
            {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind",
             "127.0.0.1", "--dir", dir_, "--appendonly", "yes", "--save", "",
             "--daemonize", "no"},
            dir_ + "/redis.log")) {
      return false;
    }
    // Ready once it answers PING.
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
      auto client = redis::RedisClient::Connect({.port = port_});
      if (client.ok() && (*client)->Command({"PING"}).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // SIGTERM: Redis flushes its AOF and exits.
  void Stop() { process_.Kill(SIGTERM); }
  void Kill() { process_.Kill(SIGKILL); }

  int port() const { return port_; }
  std::string Log() const { return process_.Log(); }

 private:
  ChildProcess process_;
  std::string dir_;
  int port_ = 0;
};

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_TESTING_REDIS_SERVER_H_
