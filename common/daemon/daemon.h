#ifndef NASPRUNE_COMMON_DAEMON_DAEMON_H_
#define NASPRUNE_COMMON_DAEMON_DAEMON_H_

// What both daemons' main.cc do the same way: create a directory named by a
// flag, and stop on SIGTERM or SIGINT.

#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nasprune {

// Creates `dir` and its parents; OK for an empty `dir` (none wanted).
// INVALID_ARGUMENT naming `flag` when it cannot be created.
inline absl::Status CreateFlagDirectory(const std::string& flag,
                                        const std::string& dir) {
  if (dir.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot create ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

// SIGTERM and SIGINT, blocked from construction on (construct it before any
// thread starts, so that every thread inherits the mask) and taken by Wait.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  // Blocks until one arrives; its number.
  int Wait() {
    int signal = 0;
    sigwait(&signals_, &signal);
    return signal;
  }

 private:
  sigset_t signals_;
};

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_DAEMON_DAEMON_H_
