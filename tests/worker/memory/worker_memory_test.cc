// A worker's resident memory over many different genomes: the bound the
// docs state (docs/worker.md, "Memory"). Its own binary, so that nothing
// else this process did counts.

#include <filesystem>
#include <iostream>

#include "common/genome/cost.h"
#include "common/genome/default_space.h"
#include "common/genome/sampler.h"
#include "common/random/rng.h"
#include "gtest/gtest.h"
#include "tests/worker/testing/data_files.h"
#include "tests/worker/testing/toy_request.h"
#include "worker/evaluator/libtorch_evaluator.h"
#include "worker/memory/caching_allocator.h"

namespace nasprune::worker {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(WorkerMemory, ThirtyDifferentGenomesStayWithinTheBound) {
  CachingCpuAllocator* cache = InstallCachingCpuAllocator();
  testing::TempDir root;
  std::filesystem::create_directories(root.File("toy"));
  std::filesystem::create_directories(root.File("artifacts"));
  // Fashion-MNIST's shape, 400 images.
  testing::WriteToyIdx(root.File("toy"), 400, 28, 28, 10, false);
  EvaluatorOptions options = testing::OptionsFor(root);
  options.parents = std::make_shared<ParentStore>(ParentStore::Options{});
  options.on_idle = [cache] { ReleaseFreeMemory(cache); };
  LibTorchEvaluator evaluator(options, root.File("artifacts"));

  const genome::InputSpec input{
      .channels = 1, .height = 28, .width = 28, .num_classes = 10};
  genome::SearchScope scope;
  scope.space = genome::DefaultSearchSpace(input);
  auto sampler = genome::GenomeSampler::Create({.scope = scope});
  ASSERT_TRUE(sampler.ok()) << sampler.status();
  Rng rng(7);

  // A low rung of a 4-epoch recipe: one epoch, fine-tuning scaled alike.
  v1::EvaluateRequest request = testing::ToyRequest(4);
  request.mutable_fidelity()->set_epochs(1);
  request.mutable_dataset()->mutable_shape()->set_height(28);
  request.mutable_dataset()->mutable_shape()->set_width(28);
  request.mutable_dataset()->set_num_classes(10);
  request.mutable_recipe()->set_batch_size(128);
  request.set_keep_model(true);

  size_t after_warmup = 0, peak = 0;
  int evaluated = 0;
  while (evaluated < 30) {
    v1::Genome genome = (*sampler)->Sample(rng);
    const auto cost = genome::ComputeGenomeCost(genome, input);
    // The sizes of the measured search: under 25k parameters.
    if (!cost.ok() || cost->params > 25000) continue;
    *request.mutable_genome() = genome;
    request.set_trial_id("memory/" + std::to_string(evaluated));
    Canceller canceller;
    const auto result = evaluator.Evaluate(request, nullptr, canceller);
    ASSERT_TRUE(result.ok()) << result.status();
    ++evaluated;
    const size_t resident = ResidentBytes();
    peak = std::max(peak, resident);
    if (evaluated == 3) after_warmup = resident;
    std::cout << "genome " << evaluated << ": " << cost->params << " params, "
              << resident / kMiB << " MiB resident, "
              << cache->stats().cached_bytes / kMiB << " MiB cached"
              << std::endl;
    // Nothing runs now: the cache has handed everything back.
    EXPECT_EQ(cache->stats().cached_bytes, 0u);
  }
  ASSERT_GT(after_warmup, 0u) << "/proc/self/statm is unreadable";
  // The bound docs/worker.md states for a CPU worker.
  EXPECT_LT(peak, 512 * kMiB) << "peak " << peak / kMiB << " MiB";
  EXPECT_LT(peak - after_warmup, 64 * kMiB)
      << "grew from " << after_warmup / kMiB << " to " << peak / kMiB << " MiB";
}

}  // namespace
}  // namespace nasprune::worker
