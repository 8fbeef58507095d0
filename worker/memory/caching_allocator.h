#ifndef NASPRUNE_WORKER_MEMORY_CACHING_ALLOCATOR_H_
#define NASPRUNE_WORKER_MEMORY_CACHING_ALLOCATOR_H_

// A caching CPU allocator for LibTorch. LibTorch's default CPU allocator
// returns every tensor to glibc, which hands large blocks back to the kernel;
// a training step then page-faults its activations in again, step after step.
// On shared machines page faults are slow and erratic (measured here: the
// same epoch 5x slower when the host is busy). This allocator keeps freed
// blocks of 64 KiB and more in per-size free lists and reuses them, so after
// the first steps a training loop allocates without touching the kernel.
// Smaller blocks go straight to the system allocator.
//
// Thread-safe. Install it once, from a composition root, before any tensor
// is created: InstallCachingCpuAllocator().

#include <c10/core/Allocator.h>
#include <torch/version.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

namespace nasprune::worker {

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // Blocks below this size are not cached.
  static constexpr size_t kMinCachedBytes = 64 << 10;
  // The default bound of the cache: a training step's activations at the
  // sizes searched fit in it, and a worker pod's memory limit is not spent
  // on blocks nobody uses (4 GiB of them made workers of 25k-parameter
  // models hold 5 GB).
  static constexpr size_t kDefaultMaxCachedBytes = size_t{256} << 20;

  // `max_cached_bytes`: freed blocks beyond this total go back to the system.
  explicit CachingCpuAllocator(
      size_t max_cached_bytes = kDefaultMaxCachedBytes);
  ~CachingCpuAllocator() override;

#if TORCH_VERSION_MAJOR > 2 || \
    (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t bytes) override;
  void copy_data(void* dest, const void* src, std::size_t count) const override;
#else
  c10::DataPtr allocate(size_t bytes) const override;
#endif

  // The deleter of every DataPtr (LibTorch's raw_deallocate uses it).
  c10::DeleterFnPtr raw_deleter() const override { return &Delete; }

  // Returns every cached block to the system.
  void ReleaseCached();

  struct Stats {
    size_t cached_bytes = 0;  // In the free lists now.
    size_t in_use_bytes = 0;  // Handed out and not yet freed (cached sizes).
    size_t hits = 0;          // Allocations served from the cache.
    size_t misses = 0;        // Allocations that went to the system.
  };
  Stats stats() const;

  // Rounds a request up to the size class it is cached under.
  static size_t SizeClass(size_t bytes);

 private:
  static void Delete(void* data);
  c10::DataPtr Allocate(size_t bytes);
  void Release(void* data);

  const size_t max_cached_bytes_;
  mutable std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;  // Size class → blocks.
  Stats stats_;
};

// Installs a process-wide CachingCpuAllocator as LibTorch's CPU allocator
// and returns it. Idempotent: later calls return the first one, whatever
// bound they pass.
CachingCpuAllocator* InstallCachingCpuAllocator(
    size_t max_cached_bytes = CachingCpuAllocator::kDefaultMaxCachedBytes);

// Hands freed memory back to the kernel: `cache`'s blocks (when not null)
// and the free pages of glibc's heaps. For a worker with no evaluation
// running: the next genome has other shapes anyway.
void ReleaseFreeMemory(CachingCpuAllocator* cache);

// Resident memory of this process, bytes (from /proc/self/statm; 0 where
// that cannot be read).
size_t ResidentBytes();

}  // namespace nasprune::worker

#endif  // NASPRUNE_WORKER_MEMORY_CACHING_ALLOCATOR_H_
