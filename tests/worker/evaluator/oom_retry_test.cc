#include "worker/evaluator/oom_retry.h"

#include <new>
#include <stdexcept>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "worker/evaluator/libtorch_evaluator.h"

namespace nasprune::worker {
namespace {

// A run that runs out of memory above `fits` (as LibTorch's CUDA allocator
// reports it) and records the requests it saw.
struct FakeRun {
  int64_t fits = 0;
  std::vector<EngineRequest> seen;
  EngineResult operator()(const EngineRequest& request) {
    seen.push_back(request);
    if (request.train.batch_size > fits) {
      throw std::runtime_error(
          "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 139.8 GiB "
          "total capacity)");
    }
    EngineResult result;
    result.val_accuracy = 0.5;
    return result;
  }
};

EngineRequest Request(int64_t batch) {
  EngineRequest request;
  request.train.batch_size = batch;
  request.train.eval_batch_size = 1024;
  request.parent_key = "parent";
  return request;
}

TEST(RunHalvingBatchOnOom, HalvesTheBatchUntilItFits) {
  ParentStore store({});
  EngineRequest request = Request(128);
  request.parents = &store;
  FakeRun run{.fits = 40};
  int released = 0;
  OomRetries retries;
  const EngineResult result = RunHalvingBatchOnOom(
      request, kMinOomBatchSize, [&](const EngineRequest& r) { return run(r); },
      [&] { ++released; }, &retries);
  EXPECT_EQ(result.val_accuracy, 0.5);
  EXPECT_EQ(retries.batch_size, 32);
  EXPECT_EQ(retries.retries, 2);
  EXPECT_EQ(released, 2);
  ASSERT_EQ(run.seen.size(), 3u);
  EXPECT_EQ(run.seen[0].train.batch_size, 128);
  EXPECT_EQ(run.seen[1].train.batch_size, 64);
  EXPECT_EQ(run.seen[1].train.eval_batch_size, 512);
  EXPECT_EQ(run.seen[2].train.batch_size, 32);
  // The first run may use the store; a retry at another batch size neither
  // reads nor writes parents keyed by the recipe's.
  EXPECT_EQ(run.seen[0].parents, &store);
  EXPECT_EQ(run.seen[0].parent_key, "parent");
  EXPECT_EQ(run.seen[2].parents, nullptr);
  EXPECT_TRUE(run.seen[2].parent_key.empty());
}

TEST(RunHalvingBatchOnOom, FitsAtOnceWithoutRetrying) {
  FakeRun run{.fits = 1 << 20};
  OomRetries retries;
  RunHalvingBatchOnOom(
      Request(256), kMinOomBatchSize,
      [&](const EngineRequest& r) { return run(r); }, nullptr, &retries);
  EXPECT_EQ(retries.batch_size, 256);
  EXPECT_EQ(retries.retries, 0);
  EXPECT_EQ(run.seen.size(), 1u);
}

// Below the floor the genome does not fit: the last out-of-memory error
// propagates (StatusFromException makes it RESOURCE_EXHAUSTED).
TEST(RunHalvingBatchOnOom, StopsAtTheFloorAndRethrows) {
  FakeRun run{.fits = 0};
  OomRetries retries;
  try {
    RunHalvingBatchOnOom(
        Request(128), 16, [&](const EngineRequest& r) { return run(r); },
        nullptr, &retries);
    FAIL() << "expected the out-of-memory error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(StatusFromException(e).code(),
              absl::StatusCode::kResourceExhausted);
  }
  ASSERT_EQ(run.seen.size(), 4u);  // 128, 64, 32, 16.
  EXPECT_EQ(run.seen.back().train.batch_size, 16);
  EXPECT_EQ(retries.batch_size, 16);
  EXPECT_EQ(retries.retries, 3);
}

// std::bad_alloc (the CPU's out-of-memory) is retried the same way.
TEST(RunHalvingBatchOnOom, RetriesAHostOutOfMemoryToo) {
  int calls = 0;
  OomRetries retries;
  RunHalvingBatchOnOom(
      Request(64), 16,
      [&](const EngineRequest& r) -> EngineResult {
        ++calls;
        if (r.train.batch_size > 32) throw std::bad_alloc();
        return {};
      },
      nullptr, &retries);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(retries.batch_size, 32);
}

// Anything else is not a matter of batch size: it propagates at once.
TEST(RunHalvingBatchOnOom, OtherErrorsPropagateAtOnce) {
  int calls = 0;
  OomRetries retries;
  EXPECT_THROW(RunHalvingBatchOnOom(
                   Request(128), 16,
                   [&](const EngineRequest&) -> EngineResult {
                     ++calls;
                     throw std::runtime_error("shape mismatch");
                   },
                   nullptr, &retries),
               std::runtime_error);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(retries.retries, 0);
}

}  // namespace
}  // namespace nasprune::worker
