#ifndef NASPRUNE_CONTROLLER_JOBS_STORE_WRITER_H_
#define NASPRUNE_CONTROLLER_JOBS_STORE_WRITER_H_

// Writes the scheduler's changes (evaluation results for the cache, job
// updates) to the store on a thread of its own, one batch at a time, so the
// scheduler never waits for the store: it hands over a batch, goes on
// dispatching, and collects the result in a later round. The writer also
// owns what follows from a failing store: retrying with backoff (doubling
// from min_backoff to max_backoff), the health the controller reports
// (healthy(), nasprune_store_up), and the answers of the calls that wait
// for a write (a cancellation is answered once it is stored).
//
// Threads. Everything but healthy() belongs to one thread (the scheduler);
// callbacks given to AwaitWrite run on it. Batches are written on the
// writer's thread between Start and Stop, and on the caller's thread
// otherwise (tests that step the scheduler), in which case Write returns
// with the result ready.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "controller/metrics.h"
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
  struct Options {
    // Required; must outlive the writer.
    Store* store = nullptr;
    Clock* clock = Clock::Real();
    // Optional; must outlive the writer.
    ControllerMetrics* metrics = nullptr;
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    // Called on the writer thread after each batch, without locks held; it
    // must not block.
    std::function<void()> written;
    // Called on the scheduler thread when healthy() changes; it must not
    // block. Optional.
    std::function<void(bool healthy)> on_health;
  };

  explicit StoreWriter(Options options);
  ~StoreWriter();  // Stops.

  void Start();
  // Returns once the batch being written (if any) is done; its result can
  // still be collected.
  void Stop();

  // Asks for `answer` once the changes made so far to job `job_id` are
  // written: OK after the next write that includes them, UNAVAILABLE (the
  // change is kept in memory and written later) when that write fails or
  // the store is in backoff.
  void AwaitWrite(const std::string& job_id,
                  std::function<void(absl::Status)> answer);

  // Whether a batch can be handed over now: none is in flight and the
  // store is not in backoff. During a backoff, the calls waiting for a
  // write are answered UNAVAILABLE at once.
  bool Ready();
  // Hands `batch` over, with the calls waiting so far. Only when Ready().
  // An empty batch answers them OK at once.
  void Write(Batch batch);
  // The result of the batch handed over, once it is written; nullopt while
  // it is being written or when none was handed over. A failure starts (or
  // lengthens) the backoff.
  std::optional<Result> Collect();
  // Ends the backoff, so that the next write is tried at once (the last
  // write of a stopping controller).
  void RetryNow() { retry_at_ = absl::InfinitePast(); }
  // Whether the store failed and is not to be tried before its backoff
  // ends (readers should not wait on it either).
  bool in_backoff() { return options_.clock->Now() < retry_at_; }
  // True from Write until its result is collected.
  bool busy() const { return busy_; }
  // Whether a call waits for the next write.
  bool has_waiters() const { return !waiting_.empty(); }

  // False from a failed write to the next successful one. Any thread.
  bool healthy() const { return healthy_.load(); }

  // Writes `batch` on the calling thread: cache entries in MSETs of at most
  // `kCacheChunk`, then one commit per update.
  static Result WriteNow(Store& store, Batch batch);
  static constexpr size_t kCacheChunk = 500;

 private:
  // WriteNow on the store, its wall time observed in the metrics.
  Result TimedWrite(Batch batch);
  struct Waiter {
    std::string job_id;
    std::function<void(absl::Status)> answer;
  };
  void Loop();
  // Answers `waiters`: UNAVAILABLE with `error` for those of a job in
  // `unwritten` (every job when `all`), OK for the rest.
  static void Answer(std::vector<Waiter>& waiters,
                     const std::vector<std::string>& unwritten, bool all,
                     const absl::Status& error);

  const Options options_;

  // The scheduler's thread only.
  bool busy_ = false;
  std::vector<Waiter> waiting_;  // For the next write.
  std::vector<Waiter> writing_;  // In the write in flight.
  absl::Time retry_at_ = absl::InfinitePast();
  std::chrono::milliseconds backoff_{0};
  absl::Status last_error_;

  std::atomic<bool> healthy_{true};

  absl::Mutex mu_;
  std::optional<Batch> pending_ ABSL_GUARDED_BY(mu_);
  std::optional<Result> result_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_STORE_WRITER_H_
