#ifndef NASPRUNE_TESTS_INTEGRATION_CLI_RUN_H_
#define NASPRUNE_TESTS_INTEGRATION_CLI_RUN_H_

// Running the real `nasprune` binary (NASPRUNE_CLI_BIN) against a test
// cluster as a user would, with its exit status, stdout and stderr.

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {

struct CliRun {
  int status = -1;     // Exit status.
  std::string output;  // Stdout then stderr.
  std::string stdout_text;
  std::string stderr_text;
};

// Runs the CLI with `args` (a shell word list; stderr to a file, both
// captured). Its stdout is a pipe, not a terminal.
inline CliRun Cli(const Cluster& cluster, const std::string& args) {
  const std::string err = cluster.dir() + "/cli.err";
  const std::string command =
      absl::StrCat(NASPRUNE_CLI_BIN, " ", args, " 2>", err);
  FILE* pipe = popen(command.c_str(), "r");
  CliRun run;
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe)) run.stdout_text += buffer;
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err);
  run.stderr_text.assign(std::istreambuf_iterator<char>(in), {});
  run.output = run.stdout_text + run.stderr_text;
  return run;
}

inline std::string WriteSpec(const Cluster& cluster, const std::string& name,
                             const std::string& yaml) {
  const std::string path = absl::StrCat(cluster.dir(), "/", name, ".yaml");
  std::ofstream(path) << yaml;
  return path;
}

// A LibTorch job of one trial on a one-genome space (seconds to train),
// whose model is exported (without the test split).
inline std::string TinyLibtorchSpec(const std::string& name) {
  return absl::StrCat("name: ", name, "\n", R"(
dataset: {name: fashion-mnist, train_subset: 256, validation_subset: 128}
mode: architecture_only
space:
  stem_channels: [8]
  stem_kernels: [3]
  min_stages: 1
  max_stages: 1
  stages:
    - {channels: [8], downsample: [max_pool], min_blocks: 1, max_blocks: 1}
  operators: [conv]
  kernels: [3]
  activations: [relu]
strategy: {random: {}}
budget: {max_trials: 1}
recipe: {epochs: 1, batch_size: 64}
export: {top_k: 1, evaluate_test_split: false}
)");
}

inline std::string ControllerFlag(Cluster& cluster) {
  return absl::StrCat("--controller ", cluster.controller_address());
}

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_INTEGRATION_CLI_RUN_H_
