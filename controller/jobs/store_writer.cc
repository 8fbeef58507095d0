#include "controller/jobs/store_writer.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace nasprune::controller {

StoreWriter::StoreWriter(Options options) : options_(std::move(options)) {}

StoreWriter::~StoreWriter() { Stop(); }

void StoreWriter::Start() {
  absl::MutexLock lock(&mu_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void StoreWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!running_) return;
    stopping_ = true;
  }
  thread_.join();  // The loop writes what was handed over before it ends.
  absl::MutexLock lock(&mu_);
  running_ = false;
}

void StoreWriter::AwaitWrite(const std::string& job_id,
                             std::function<void(absl::Status)> answer) {
  waiting_.push_back({.job_id = job_id, .answer = std::move(answer)});
}

bool StoreWriter::Ready() {
  if (options_.clock->Now() < retry_at_) {
    // The changes are applied in memory; say so now rather than after the
    // backoff.
    Answer(waiting_, {}, /*all=*/true, last_error_);
    return false;
  }
  return !busy_;
}

void StoreWriter::Write(Batch batch) {
  if (batch.empty()) {
    Answer(waiting_, {}, /*all=*/false, absl::OkStatus());
    return;
  }
  writing_.swap(waiting_);
  busy_ = true;
  absl::MutexLock lock(&mu_);
  if (running_) {
    pending_ = std::move(batch);
  } else {
    result_ = TimedWrite(std::move(batch));
  }
}

std::optional<StoreWriter::Result> StoreWriter::Collect() {
  std::optional<Result> result;
  {
    absl::MutexLock lock(&mu_);
    result = std::move(result_);
    result_.reset();
  }
  if (!result.has_value()) return result;
  busy_ = false;
  std::vector<Waiter> answered;
  answered.swap(writing_);
  ControllerMetrics* m = options_.metrics;
  if (result->status.ok()) {
    if (!healthy_.exchange(true)) {
      std::cerr << "controller: the store takes writes again\n";
      if (options_.on_health) options_.on_health(true);
    }
    backoff_ = std::chrono::milliseconds(0);
    if (m) m->store_up.Set(1);
    Answer(answered, {}, /*all=*/false, absl::OkStatus());
    return result;
  }
  if (healthy_.exchange(false)) {
    std::cerr << "controller: store writes fail (" << result->status.message()
              << "); retrying with backoff, serving from memory\n";
    if (options_.on_health) options_.on_health(false);
  }
  backoff_ =
      std::clamp(2 * backoff_, options_.min_backoff, options_.max_backoff);
  retry_at_ = options_.clock->Now() + absl::FromChrono(backoff_);
  last_error_ = absl::UnavailableError(
      absl::StrCat("the store cannot take the write yet (",
                   result->status.message(), "); it is retried"));
  if (m) {
    m->store_up.Set(0);
    m->store_errors.Increment();
  }
  std::vector<std::string> unwritten;
  for (const auto& [job_id, update] : result->unwritten.updates) {
    unwritten.push_back(job_id);
  }
  Answer(answered, unwritten, /*all=*/false, last_error_);
  return result;
}

void StoreWriter::Answer(std::vector<Waiter>& waiters,
                         const std::vector<std::string>& unwritten, bool all,
                         const absl::Status& error) {
  std::vector<Waiter> now;
  now.swap(waiters);
  for (Waiter& waiter : now) {
    const bool failed = all || std::find(unwritten.begin(), unwritten.end(),
                                         waiter.job_id) != unwritten.end();
    waiter.answer(failed ? error : absl::OkStatus());
  }
}

void StoreWriter::Loop() {
  for (;;) {
    Batch batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || pending_.has_value();
      };
      mu_.Await(absl::Condition(&ready));
      if (!pending_.has_value()) return;  // Stopping, nothing to write.
      batch = *std::move(pending_);
      pending_.reset();
    }
    Result result = TimedWrite(std::move(batch));
    {
      absl::MutexLock lock(&mu_);
      result_ = std::move(result);
    }
    if (options_.written) options_.written();
  }
}

StoreWriter::Result StoreWriter::TimedWrite(Batch batch) {
  const auto start = std::chrono::steady_clock::now();
  Result result = WriteNow(*options_.store, std::move(batch));
  if (options_.metrics != nullptr) {
    options_.metrics->store_write_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return result;
}

StoreWriter::Result StoreWriter::WriteNow(Store& store, Batch batch) {
  Result result;
  // Chunks keep a backlog left by a long outage from becoming one huge
  // command.
  size_t done = 0;
  while (done < batch.cache_puts.size()) {
    const size_t n = std::min(kCacheChunk, batch.cache_puts.size() - done);
    result.status = store.PutCachedResults(
        {batch.cache_puts.begin() + done, batch.cache_puts.begin() + done + n});
    if (!result.status.ok()) break;
    done += n;
  }
  size_t committed = 0;
  if (result.status.ok()) {
    for (; committed < batch.updates.size(); ++committed) {
      const auto& [job_id, update] = batch.updates[committed];
      result.status = store.Commit(job_id, update);
      if (!result.status.ok()) break;
    }
  }
  if (!result.status.ok()) {
    result.unwritten.cache_puts.assign(
        std::make_move_iterator(batch.cache_puts.begin() + done),
        std::make_move_iterator(batch.cache_puts.end()));
    result.unwritten.updates.assign(
        std::make_move_iterator(batch.updates.begin() + committed),
        std::make_move_iterator(batch.updates.end()));
  }
  return result;
}

}  // namespace nasprune::controller
