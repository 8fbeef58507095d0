// The Python client (clients/python) against the real service: its helper
// layer's tests (tests/clients/python_client_test.py) with a synthetic
// worker, and examples/python_client.py end to end with a LibTorch worker:
// submitted, followed, the best model downloaded, checked and loaded.

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/artifacts/artifacts.h"
#include "gtest/gtest.h"
#include "tests/integration/cli_run.h"
#include "tests/testing/cluster.h"

namespace nasprune::testing {
namespace {

std::string Python(const Cluster& cluster, const std::string& args) {
  return absl::StrCat("PYTHONPATH=", NASPRUNE_PYTHON_CLIENT_DIR,
                      " NASPRUNE_CONTROLLER=", cluster.controller_address(),
                      " /usr/bin/python3 ", args, " > ", cluster.dir(),
                      "/python.log 2>&1");
}

std::string Log(const Cluster& cluster) {
  std::ifstream in(cluster.dir() + "/python.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(PythonClient, HelperLayerAgainstALiveController) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.slots = 2, .synthetic_delay_ms = 20});
  const std::string command =
      Python(cluster, "tests/clients/python_client_test.py");
  EXPECT_EQ(std::system(command.c_str()), 0) << Log(cluster);
}

TEST(PythonClient, ExampleSubmitsStreamsAndDownloadsTheBestModel) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorker({.evaluator = "libtorch"});
  const std::string spec =
      WriteSpec(cluster, "py-example", TinyLibtorchSpec("py-example"));
  const std::string model = cluster.dir() + "/best.pt";
  const std::string command =
      Python(cluster, absl::StrCat("examples/python_client.py --controller ",
                                   cluster.controller_address(), " --spec ",
                                   spec, " --out ", model));
  ASSERT_EQ(std::system(command.c_str()), 0) << Log(cluster);
  const std::string log = Log(cluster);
  EXPECT_NE(log.find("submitted py-example-"), std::string::npos) << log;
  EXPECT_NE(log.find("/0 "), std::string::npos) << log;
  EXPECT_NE(log.find("best py-example-"), std::string::npos) << log;
  absl::StatusOr<std::string> sha = artifacts::FileSha256(model);
  ASSERT_TRUE(sha.ok()) << sha.status();
  EXPECT_NE(log.find(absl::StrCat("sha256 ", *sha)), std::string::npos) << log;
  // The archive loads in PyTorch.
  const std::string load = absl::StrCat(
      "/usr/bin/python3 -c \"import torch; torch.jit.load('", model, "')\"");
  EXPECT_EQ(std::system(load.c_str()), 0);
}

}  // namespace
}  // namespace nasprune::testing
