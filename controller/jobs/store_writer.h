#ifndef NASPRUNE_CONTROLLER_JOBS_STORE_WRITER_H_
#define NASPRUNE_CONTROLLER_JOBS_STORE_WRITER_H_

// Writes the scheduler's changes (evaluation results for the cache, job
// updates) to the store on a thread of its own, one batch at a time, so the
// scheduler never waits for the store: it hands over a batch, goes on
// dispatching, and collects the result in a later round.
//
// Threads. Write, busy and Collect belong to one thread (the scheduler).
// Batches are written on the writer's thread between Start and Stop, and on
// the caller's thread otherwise (tests that step the scheduler), in which
// case Write returns with the result ready.

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "controller/store/store.h"

namespace nasprune::controller {

class StoreWriter {
 public:
  struct Batch {
    std::vector<Store::CacheEntry> cache_puts;
    // Job id and its update, committed in this order.
    std::vector<std::pair<std::string, JobUpdate>> updates;

    bool empty() const { return cache_puts.empty() && updates.empty(); }
  };
  struct Result {
    // OK, or the first failure: what came after it was not tried.
    absl::Status status;
    // What was not written, in order (empty when `status` is OK).
    Batch unwritten;
  };

  // `store` must outlive the writer. `written` is called on the writer
  // thread after each batch, without locks held; it must not block.
  StoreWriter(Store* store, std::function<void()> written);
  ~StoreWriter();  // Stops.

  void Start();
  // Returns once the batch being written (if any) is done; its result can
  // still be collected.
  void Stop();

  // True from Write until its result is collected.
  bool busy() const { return busy_; }
  // Hands `batch` over. Not while busy.
  void Write(Batch batch);
  // The result of the batch handed over, once it is written; nullopt while
  // it is being written or when none was handed over.
  std::optional<Result> Collect();

  // Writes `batch` on the calling thread: cache entries in MSETs of at most
  // `kCacheChunk`, then one commit per update.
  static Result WriteNow(Store& store, Batch batch);
  static constexpr size_t kCacheChunk = 500;

 private:
  void Loop();

  Store* const store_;
  const std::function<void()> written_;
  bool busy_ = false;  // The caller's thread only.

  absl::Mutex mu_;
  std::optional<Batch> pending_ ABSL_GUARDED_BY(mu_);
  std::optional<Result> result_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_STORE_WRITER_H_
