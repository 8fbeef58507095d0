#ifndef NASPRUNE_COMMON_DAEMON_HOST_PORT_H_
#define NASPRUNE_COMMON_DAEMON_HOST_PORT_H_

// "HOST:PORT" as the daemons' flags write an address (header only).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nasprune {

struct HostPort {
  std::string host;  // Not empty; "[::1]" keeps its brackets.
  int port = 0;      // In [min_port, 65535].
};

// Splits `value` at its last colon. INVALID_ARGUMENT naming `flag` when the
// host is empty or the port is not a number in [min_port, 65535] (a
// min_port of 0 lets a listening flag ask for any free port).
inline absl::StatusOr<HostPort> ParseHostPort(const std::string& flag,
                                              const std::string& value,
                                              int min_port = 1) {
  const size_t colon = value.rfind(':');
  HostPort parsed;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &parsed.port) ||
      parsed.port < min_port || parsed.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", value, "\" is not HOST:PORT with a port in [", min_port,
        ", 65535]"));
  }
  parsed.host = value.substr(0, colon);
  return parsed;
}

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_DAEMON_HOST_PORT_H_
