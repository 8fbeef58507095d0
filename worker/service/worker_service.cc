#include "worker/service/worker_service.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/status/evaluation_outcome.h"
#include "common/status/grpc_status.h"

namespace nasprune::worker {
namespace {

constexpr auto kClientCheck = std::chrono::milliseconds(20);

}  // namespace

ClientWatcher::ClientWatcher()
    : thread_([this] {
        std::unique_lock<std::mutex> lock(mu_);
        while (!stopping_) {
          for (auto& [id, watched] : watched_) {
            if (!watched.fired && watched.context->IsCancelled()) {
              watched.fired = true;
              watched.canceller->Cancel();
            }
          }
          cv_.wait_for(lock, kClientCheck);
        }
      }) {}

ClientWatcher::~ClientWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int64_t ClientWatcher::Watch(grpc::ServerContext* context,
                             Canceller* canceller) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t id = next_id_++;
  watched_[id] = {.context = context, .canceller = canceller};
  return id;
}

void ClientWatcher::Unwatch(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  watched_.erase(id);
}

namespace {

// Watches one call for as long as it lives.
class ScopedWatch {
 public:
  ScopedWatch(ClientWatcher& watcher, grpc::ServerContext* context,
              Canceller* canceller)
      : watcher_(watcher), id_(watcher.Watch(context, canceller)) {}
  ~ScopedWatch() { watcher_.Unwatch(id_); }

 private:
  ClientWatcher& watcher_;
  const int64_t id_;
};

}  // namespace

WorkerServiceImpl::WorkerServiceImpl(WorkerIdentity identity, SlotTable* slots,
                                     EvaluateFn evaluate,
                                     WorkerMetrics* metrics)
    : identity_(std::move(identity)),
      slots_(slots),
      evaluate_(std::move(evaluate)),
      metrics_(metrics) {
  CountSlots();
}

void WorkerServiceImpl::CountSlots() {
  if (metrics_ == nullptr) return;
  // One reading and both gauges together, so concurrent ends cannot leave
  // an older reading in place.
  std::lock_guard<std::mutex> lock(count_mu_);
  const int busy = static_cast<int>(slots_->Running().size());
  metrics_->slots.Labels({"busy"}).Set(busy);
  metrics_->slots.Labels({"free"}).Set(slots_->size() - busy);
}

void WorkerServiceImpl::Count(const char* outcome,
                              std::chrono::steady_clock::time_point start,
                              const absl::StatusOr<v1::EvaluationResult>& r) {
  CountSlots();
  if (metrics_ == nullptr) return;
  metrics_->evaluations.Labels({outcome}).Increment();
  metrics_->evaluation_duration_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  if (r.ok() && r->train_samples_per_second() > 0) {
    metrics_->train_samples_per_second.Set(r->train_samples_per_second());
  }
}

grpc::Status WorkerServiceImpl::Evaluate(
    grpc::ServerContext* context, const v1::EvaluateRequest* request,
    grpc::ServerWriter<v1::EvaluateEvent>* writer) {
  if (request->trial_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("trial_id: required"));
  }
  if (!request->has_genome()) {
    return ToGrpcStatus(absl::InvalidArgumentError("genome: required"));
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::shared_ptr<Canceller>> canceller =
      slots_->Acquire(request->trial_id());
  if (!canceller.ok()) {
    if (metrics_ != nullptr &&
        canceller.status().code() == absl::StatusCode::kResourceExhausted) {
      metrics_->rejected.Increment();
    }
    return ToGrpcStatus(canceller.status());
  }
  CountSlots();

  absl::StatusOr<v1::EvaluationResult> result;
  {
    ScopedWatch watch(watcher_, context, canceller->get());
    result = evaluate_(
        *request,
        [&](const v1::TrialProgress& progress) {
          slots_->SetPhase(request->trial_id(), progress.phase());
          v1::EvaluateEvent event;
          *event.mutable_progress() = progress;
          if (!writer->Write(event)) (*canceller)->Cancel();
        },
        **canceller);
  }
  if (!result.ok() && result.status().code() == absl::StatusCode::kCancelled) {
    slots_->Release(request->trial_id(), SlotTable::Outcome::kCancelled);
    Count("cancelled", start, result);
    return ToGrpcStatus(result.status());
  }
  slots_->Release(request->trial_id(), result.ok()
                                           ? SlotTable::Outcome::kSucceeded
                                           : SlotTable::Outcome::kFailed);
  Count(result.ok() ? "succeeded" : "failed", start, result);
  v1::EvaluateEvent event;
  if (result.ok()) {
    result->set_worker(identity_.name);
    *event.mutable_result() = *std::move(result);
  } else {
    *event.mutable_failure() =
        FailureFromStatus(result.status(), identity_.name);
  }
  // With the status in the same write: one send fewer per evaluation.
  writer->WriteLast(event, grpc::WriteOptions());
  return grpc::Status::OK;
}

grpc::Status WorkerServiceImpl::Cancel(grpc::ServerContext*,
                                       const v1::CancelRequest* request,
                                       v1::CancelResponse* response) {
  response->set_cancelled(slots_->Cancel(request->trial_id()));
  return grpc::Status::OK;
}

grpc::Status WorkerServiceImpl::Status(grpc::ServerContext*,
                                       const v1::WorkerStatusRequest*,
                                       v1::WorkerStatus* response) {
  response->set_name(identity_.name);
  response->set_address(identity_.address);
  response->set_device(identity_.device);
  response->set_evaluator_version(identity_.evaluator_version);
  response->set_synthetic(identity_.synthetic);
  for (v1::SlotStatus& s : slots_->Snapshot()) {
    *response->add_slots() = std::move(s);
  }
  response->set_evaluations_completed(slots_->completed());
  response->set_evaluations_failed(slots_->failed());
  response->set_uptime_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count());
  return grpc::Status::OK;
}

}  // namespace nasprune::worker
