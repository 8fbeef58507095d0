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
  int port = 0;      // In [1, 65535].
};

// Splits `value` at its last colon. INVALID_ARGUMENT naming `flag` when the
// host is empty or the port is not a number in [1, 65535].
inline absl::StatusOr<HostPort> ParseHostPort(const std::string& flag,
                                              const std::string& value) {
  const size_t colon = value.rfind(':');
  HostPort parsed;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &parsed.port) ||
      parsed.port <= 0 || parsed.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", value, "\" is not HOST:PORT with a port in [1, 65535]"));
  }
  parsed.host = value.substr(0, colon);
  return parsed;
}

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_DAEMON_HOST_PORT_H_
