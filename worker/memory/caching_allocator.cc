#include "worker/memory/caching_allocator.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>

namespace nasprune::worker {

namespace {

constexpr size_t kAlignment = 64;  // As c10's CPU allocator.

// Every block starts with this header, so that the deleter (which LibTorch
// calls with the data pointer alone: context must equal data) finds the
// allocator and the size class. 64 bytes keep the data 64-byte aligned.
struct alignas(kAlignment) Header {
  CachingCpuAllocator* owner;
  size_t size;  // Size class; 0 for uncached blocks.
};
static_assert(sizeof(Header) == kAlignment);

Header* HeaderOf(void* data) {
  return reinterpret_cast<Header*>(static_cast<char*>(data) - sizeof(Header));
}

// A block of `bytes` usable bytes after its header; returns the data pointer.
void* SystemAllocate(size_t bytes) {
  void* base = nullptr;
  if (posix_memalign(&base, kAlignment, sizeof(Header) + bytes) != 0) {
    throw std::bad_alloc();
  }
  return static_cast<char*>(base) + sizeof(Header);
}

void SystemFree(void* data) { std::free(HeaderOf(data)); }

}  // namespace

CachingCpuAllocator::CachingCpuAllocator(size_t max_cached_bytes)
    : max_cached_bytes_(max_cached_bytes) {}

CachingCpuAllocator::~CachingCpuAllocator() { ReleaseCached(); }

size_t CachingCpuAllocator::SizeClass(size_t bytes) {
  // 64 KiB granules up to 1 MiB, 1 MiB granules above: few classes, at most
  // ~6 % slack for the large blocks that matter.
  const size_t granule =
      bytes <= (size_t{1} << 20) ? kMinCachedBytes : (size_t{1} << 20);
  return (bytes + granule - 1) / granule * granule;
}

c10::DataPtr CachingCpuAllocator::Allocate(size_t bytes) {
  if (bytes < kMinCachedBytes) {
    void* data = SystemAllocate(bytes);
    *HeaderOf(data) = {this, 0};
    return {data, data, &Delete, c10::Device(c10::kCPU)};
  }
  const size_t size = SizeClass(bytes);
  void* data = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      data = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= size;
      ++stats_.hits;
    } else {
      ++stats_.misses;
    }
    stats_.in_use_bytes += size;
  }
  if (data == nullptr) data = SystemAllocate(size);
  *HeaderOf(data) = {this, size};
  return {data, data, &Delete, c10::Device(c10::kCPU)};
}

#if TORCH_VERSION_MAJOR > 2 || \
    (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
c10::DataPtr CachingCpuAllocator::allocate(size_t bytes) {
  return Allocate(bytes);
}
void CachingCpuAllocator::copy_data(void* dest, const void* src,
                                    std::size_t count) const {
  std::memcpy(dest, src, count);
}
#else
c10::DataPtr CachingCpuAllocator::allocate(size_t bytes) const {
  return const_cast<CachingCpuAllocator*>(this)->Allocate(bytes);
}
#endif

void CachingCpuAllocator::Delete(void* data) {
  HeaderOf(data)->owner->Release(data);
}

void CachingCpuAllocator::Release(void* data) {
  const size_t size = HeaderOf(data)->size;
  if (size == 0) {
    SystemFree(data);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.in_use_bytes -= size;
    if (stats_.cached_bytes + size <= max_cached_bytes_) {
      free_[size].push_back(data);
      stats_.cached_bytes += size;
      return;
    }
  }
  SystemFree(data);
}

void CachingCpuAllocator::ReleaseCached() {
  std::map<size_t, std::vector<void*>> cached;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cached.swap(free_);
    stats_.cached_bytes = 0;
  }
  for (auto& [size, blocks] : cached) {
    for (void* data : blocks) SystemFree(data);
  }
}

CachingCpuAllocator::Stats CachingCpuAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

CachingCpuAllocator* InstallCachingCpuAllocator(size_t max_cached_bytes) {
  // Never destroyed: tensors may outlive static destruction order.
  static CachingCpuAllocator* allocator = [max_cached_bytes] {
    auto* a = new CachingCpuAllocator(max_cached_bytes);
    c10::SetAllocator(c10::DeviceType::CPU, a, /*priority=*/1);
    return a;
  }();
  return allocator;
}

void ReleaseFreeMemory(CachingCpuAllocator* cache) {
  if (cache != nullptr) cache->ReleaseCached();
  malloc_trim(0);
}

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace nasprune::worker
