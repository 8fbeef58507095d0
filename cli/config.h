#ifndef NASPRUNE_CLI_CONFIG_H_
#define NASPRUNE_CLI_CONFIG_H_

// Where the CLI's connection settings come from, the first that has one:
//   1. the command's flag (--controller);
//   2. the environment (NASPRUNE_CONTROLLER);
//   3. the config file: --config FILE, else $NASPRUNE_CONFIG, else
//      $XDG_CONFIG_HOME/nasprune/config.yaml (~/.config/... without
//      XDG_CONFIG_HOME). A file named by flag or variable must exist; the
//      default one may be absent;
//   4. the default, 127.0.0.1:50051.
// The file is YAML: a map of the settings' names (`controller: HOST:PORT`);
// an unknown key is an error naming the file and the key.

#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace nasprune::cli {

struct ConnectionSettings {
  std::string controller;  // HOST:PORT, the port filled in.
};

// The environment, for tests to replace: the value of a variable, or null.
using GetEnv = std::function<const char*(const char*)>;

absl::StatusOr<ConnectionSettings> ResolveSettings(
    const std::string& controller_flag, const std::string& config_flag,
    const GetEnv& getenv);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_CONFIG_H_
