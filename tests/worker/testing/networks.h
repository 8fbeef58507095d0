#ifndef NASPRUNE_TESTS_WORKER_TESTING_NETWORKS_H_
#define NASPRUNE_TESTS_WORKER_TESTING_NETWORKS_H_

// Sampled genomes and networks with non-trivial batch-norm statistics, for
// tests that compare a network with a transformed copy of it.

#include <torch/torch.h>

#include "common/genome/default_space.h"
#include "common/genome/network_plan.h"
#include "common/genome/sampler.h"
#include "common/jobspec/yaml_proto.h"
#include "common/random/rng.h"
#include "gtest/gtest.h"
#include "worker/model/network.h"

namespace nasprune::worker::testing {

inline const genome::InputSpec kGray{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};
inline const genome::InputSpec kRgb{
    .channels = 3, .height = 32, .width = 32, .num_classes = 10};

// A genome from YAML; the test fails when it does not parse.
inline v1::Genome ParsedGenome(const std::string& yaml) {
  v1::Genome genome;
  const absl::Status status = ParseYamlToMessage(yaml, "genome.yaml", &genome);
  EXPECT_TRUE(status.ok()) << status;
  return genome;
}

// A genome drawn from the default joint space (architecture and pruning).
inline v1::Genome SampledGenome(uint64_t seed, const genome::InputSpec& input) {
  auto sampler = genome::GenomeSampler::Create(
      {.scope = {.space = genome::DefaultSearchSpace(input),
                 .mode = v1::SEARCH_MODE_JOINT}});
  EXPECT_TRUE(sampler.ok());
  Rng rng(seed);
  return (*sampler)->Sample(rng);
}

// Random running statistics (and BN affine parameters when `affine`), so
// that eval-mode outputs exercise every tensor.
inline void RandomizeBatchNorm(NetworkImpl& network, bool affine = false) {
  torch::NoGradGuard no_grad;
  for (auto& buffer : network.named_buffers()) {
    if (buffer.key().ends_with("running_mean")) buffer.value().normal_(0, 0.5);
    if (buffer.key().ends_with("running_var")) buffer.value().uniform_(0.5, 2);
  }
  if (!affine) return;
  for (auto& parameter : network.named_parameters()) {
    const std::string& name = parameter.key();
    if (name.find("bn") == std::string::npos) continue;
    if (name.ends_with("weight")) parameter.value().uniform_(0.5, 1.5);
    if (name.ends_with("bias")) parameter.value().normal_(0, 0.2);
  }
}

// The network of `plan`, seeded, with random BN statistics, in eval mode.
inline Network SeededNetwork(const genome::NetworkPlan& plan, uint64_t seed) {
  torch::manual_seed(seed);
  Network network(plan);
  RandomizeBatchNorm(*network, /*affine=*/true);
  network->eval();
  return network;
}

}  // namespace nasprune::worker::testing

#endif  // NASPRUNE_TESTS_WORKER_TESTING_NETWORKS_H_
