#include "controller/jobs/store_writer.h"

#include <algorithm>

namespace nasprune::controller {

StoreWriter::StoreWriter(Store* store, std::function<void()> written)
    : store_(store), written_(std::move(written)) {}

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

void StoreWriter::Write(Batch batch) {
  busy_ = true;
  absl::MutexLock lock(&mu_);
  if (running_) {
    pending_ = std::move(batch);
  } else {
    result_ = WriteNow(*store_, std::move(batch));
  }
}

std::optional<StoreWriter::Result> StoreWriter::Collect() {
  absl::MutexLock lock(&mu_);
  std::optional<Result> result = std::move(result_);
  result_.reset();
  if (result.has_value()) busy_ = false;
  return result;
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
    Result result = WriteNow(*store_, std::move(batch));
    {
      absl::MutexLock lock(&mu_);
      result_ = std::move(result);
    }
    if (written_) written_();
  }
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
