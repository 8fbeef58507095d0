#include "worker/memory/caching_allocator.h"

#include <torch/torch.h>

#include <cstdint>

#include "gtest/gtest.h"

namespace nasprune::worker {
namespace {

TEST(CachingCpuAllocator, ReusesFreedBlocksOfTheSameSizeClass) {
  CachingCpuAllocator allocator;
  void* first = nullptr;
  {
    c10::DataPtr a = allocator.allocate(300 << 10);
    first = a.get();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 64, 0u);
  }
  EXPECT_EQ(allocator.stats().cached_bytes,
            CachingCpuAllocator::SizeClass(300 << 10));
  c10::DataPtr b = allocator.allocate((300 << 10) - 100);  // Same class.
  EXPECT_EQ(b.get(), first);
  EXPECT_EQ(allocator.stats().hits, 1u);
  EXPECT_EQ(allocator.stats().misses, 1u);
  EXPECT_EQ(allocator.stats().cached_bytes, 0u);
}

TEST(CachingCpuAllocator, SmallBlocksAreNotCached) {
  CachingCpuAllocator allocator;
  { c10::DataPtr a = allocator.allocate(100); }
  EXPECT_EQ(allocator.stats().cached_bytes, 0u);
  EXPECT_EQ(allocator.stats().misses, 0u);
}

TEST(CachingCpuAllocator, RespectsTheCacheLimit) {
  CachingCpuAllocator allocator(/*max_cached_bytes=*/1 << 20);
  {
    c10::DataPtr a = allocator.allocate(768 << 10);
    c10::DataPtr b = allocator.allocate(768 << 10);
  }
  EXPECT_EQ(allocator.stats().cached_bytes, size_t{768} << 10);
  allocator.ReleaseCached();
  EXPECT_EQ(allocator.stats().cached_bytes, 0u);
}

TEST(CachingCpuAllocator, SizeClasses) {
  EXPECT_EQ(CachingCpuAllocator::SizeClass(65 << 10), size_t{128} << 10);
  EXPECT_EQ(CachingCpuAllocator::SizeClass(1 << 20), size_t{1} << 20);
  EXPECT_EQ(CachingCpuAllocator::SizeClass((1 << 20) + 1), size_t{2} << 20);
}

TEST(InstallCachingCpuAllocator, TensorsUseItAndComputeCorrectly) {
  CachingCpuAllocator* allocator = InstallCachingCpuAllocator();
  EXPECT_EQ(InstallCachingCpuAllocator(), allocator);  // Idempotent.
  const auto misses = allocator->stats().misses;
  for (int i = 0; i < 3; ++i) {
    const auto x = torch::ones({256, 256});  // 256 KiB: cached.
    EXPECT_EQ(x.sum().item<float>(), 65536.0f);
    const auto y = torch::mm(x, x);
    EXPECT_EQ(y[3][7].item<float>(), 256.0f);
  }
  // After the first iteration the blocks come from the cache.
  EXPECT_GT(allocator->stats().hits, 0u);
  EXPECT_LE(allocator->stats().misses - misses, 3u);
}

}  // namespace
}  // namespace nasprune::worker
