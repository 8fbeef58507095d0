#include "worker/export/torchscript.h"

#include <cstdlib>
#include <fstream>

#include "common/genome/network_plan.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "tests/worker/testing/networks.h"

namespace nasprune::worker {
namespace {

using testing::kGray;

// A sampled network with non-trivial batch-norm statistics, in eval mode.
Network SampledNetwork(uint64_t seed, const genome::InputSpec& input,
                       double rank_ratio = 0) {
  v1::Genome g = testing::SampledGenome(seed, input);
  g.mutable_pruning()->mutable_low_rank()->set_rank_ratio(rank_ratio);
  const auto plan = genome::BuildNetworkPlan(g, input);
  EXPECT_TRUE(plan.ok());
  torch::manual_seed(seed);
  Network network(*plan);
  testing::RandomizeBatchNorm(*network);
  network->eval();
  return network;
}

TEST(ExportTorchScript, OutputsEqualTheCppModule) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    Network network = SampledNetwork(seed, kGray, seed % 3 == 0 ? 0.3 : 0);
    torch::jit::Module scripted = ExportTorchScript(*network);
    const auto x = torch::randn({3, 1, 28, 28});
    torch::NoGradGuard no_grad;
    const auto expected = network->forward(x);
    const auto actual = scripted.forward({x}).toTensor();
    EXPECT_LE((expected - actual).abs().max().item<float>(), 1e-5)
        << "seed " << seed << "\n"
        << TorchScriptSource(*network);
  }
}

TEST(SaveTorchScript, ArchiveReloadsInLibTorch) {
  testing::TempDir dir;
  Network network = SampledNetwork(5, testing::kRgb);
  const std::string path = dir.File("model.pt");
  EXPECT_GT(SaveTorchScript(*network, path), 1000);
  torch::jit::Module loaded = torch::jit::load(path);
  const auto x = torch::randn({2, 3, 32, 32});
  torch::NoGradGuard no_grad;
  EXPECT_LE((network->forward(x) - loaded.forward({x}).toTensor())
                .abs()
                .max()
                .item<float>(),
            1e-5);
}

TEST(SaveTorchScript, ArchiveLoadsInPythonWithEqualOutputs) {
  testing::TempDir dir;
  for (uint64_t seed : {1, 2, 3, 6}) {
    Network network = SampledNetwork(seed, kGray, seed == 6 ? 0.3 : 0);
    const std::string stem = dir.File("m" + std::to_string(seed));
    SaveTorchScript(*network, stem + ".pt");
    const auto x = torch::randn({4, 1, 28, 28});
    torch::NoGradGuard no_grad;
    testing::WriteFloats(stem + ".input", x);
    testing::WriteFloats(stem + ".expected", network->forward(x));
  }
  const std::string command =
      "/usr/bin/python3 tests/worker/export/check_torchscript.py " +
      dir.path() + " 1 28 28 10";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace nasprune::worker
