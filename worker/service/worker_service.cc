#include "worker/service/worker_service.h"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/jobspec/states.h"
#include "common/status/evaluation_outcome.h"
#include "common/status/grpc_status.h"

namespace nasprune::worker {

using jobspec::PhaseLabel;

// One Evaluate call. It ends (Finish) only after its evaluation has
// returned, so the evaluation thread never outlives it; it deletes itself
// when gRPC is done with it.
class EvaluateReactor final
    : public grpc::ServerWriteReactor<v1::EvaluateEvent> {
 public:
  EvaluateReactor(WorkerServiceImpl* service, const v1::EvaluateRequest& r)
      : service_(service), request_(r) {}

  // Takes a slot and schedules the evaluation, or finishes at once.
  void Begin() {
    absl::Status invalid;
    if (request_.trial_id().empty()) {
      invalid = absl::InvalidArgumentError("trial_id: required");
    } else if (!request_.has_genome()) {
      invalid = absl::InvalidArgumentError("genome: required");
    }
    if (!invalid.ok()) {
      Finish(ToGrpcStatus(invalid));
      return;
    }
    const WorkerServiceImpl::Options& o = service_->options_;
    // The device's memory first: every slot free is not enough on a GPU.
    absl::Status admitted = o.evaluator->Admit();
    absl::StatusOr<std::shared_ptr<Canceller>> canceller =
        admitted.ok() ? o.slots->Acquire(request_.trial_id())
                      : absl::StatusOr<std::shared_ptr<Canceller>>(admitted);
    if (!canceller.ok()) {
      if (o.metrics != nullptr &&
          canceller.status().code() == absl::StatusCode::kResourceExhausted) {
        o.metrics->rejected.Increment();
      }
      Finish(ToGrpcStatus(canceller.status()));
      return;
    }
    service_->CountSlots();
    start_ = std::chrono::steady_clock::now();
    const std::shared_ptr<Canceller> stop = *std::move(canceller);
    bool cancelled = false;
    {
      absl::MutexLock lock(&mu_);
      canceller_ = stop;
      cancelled = cancelled_;
    }
    if (cancelled) stop->Cancel();  // The caller left already.
    service_->threads_.Schedule([this, stop] { Run(*stop); });
  }

  void OnCancel() override {
    std::shared_ptr<Canceller> canceller;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      canceller = canceller_;
    }
    if (canceller != nullptr) canceller->Cancel();
  }

  void OnWriteDone(bool ok) override {
    std::shared_ptr<Canceller> stop;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok) {
        queue_.pop_front();
      } else {
        // The caller is gone: nothing more can be written; stop training.
        gone_ = true;
        queue_.clear();
        stop = canceller_;
      }
    }
    if (stop != nullptr) stop->Cancel();
    Next();
  }

  void OnDone() override { delete this; }

 private:
  // The evaluation, on an evaluation thread.
  void Run(Canceller& canceller) {
    const WorkerServiceImpl::Options& o = service_->options_;
    absl::StatusOr<v1::EvaluationResult> result = o.evaluator->Evaluate(
        request_, [this](const v1::TrialProgress& p) { Progress(p); },
        canceller);
    const bool cancelled =
        !result.ok() && result.status().code() == absl::StatusCode::kCancelled;
    const bool turned_away = o.slots->Release(
        request_.trial_id(), cancelled     ? SlotTable::Outcome::kCancelled
                             : result.ok() ? SlotTable::Outcome::kSucceeded
                                           : SlotTable::Outcome::kFailed);
    service_->Count(cancelled     ? "cancelled"
                    : result.ok() ? "succeeded"
                                  : "failed",
                    start_, result);
    if ((cancelled || turned_away) && o.heartbeat_now) o.heartbeat_now();
    {
      absl::MutexLock lock(&mu_);
      if (cancelled) {
        end_ = ToGrpcStatus(result.status());
      } else if (result.ok()) {
        result->set_worker(o.identity.name);
        *last_.mutable_result() = *std::move(result);
      } else {
        *last_.mutable_failure() =
            FailureFromStatus(result.status(), o.identity.name);
      }
      done_ = true;
    }
    Next();
  }

  void Progress(const v1::TrialProgress& progress) {
    const WorkerServiceImpl::Options& o = service_->options_;
    o.slots->SetPhase(request_.trial_id(), progress.phase());
    if (o.metrics != nullptr && progress.has_epoch()) {
      o.metrics->epoch_seconds.Labels({PhaseLabel(progress.epoch().phase())})
          .Observe(progress.epoch().seconds());
    }
    {
      absl::MutexLock lock(&mu_);
      if (gone_) return;
      queue_.emplace_back();
      *queue_.back().mutable_progress() = progress;
    }
    Next();
  }

  // Starts the next write, or the last one with the status once the
  // evaluation is done and every progress event was written. Any thread;
  // gRPC is called without the lock.
  void Next() {
    enum { kNothing, kWrite, kWriteLast, kFinish } action = kNothing;
    const v1::EvaluateEvent* event = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (!queue_.empty()) {
        writing_ = true;
        event = &queue_.front();
        action = kWrite;
      } else if (done_) {
        finished_ = true;
        action = end_.ok() && !gone_ ? kWriteLast : kFinish;
      }
    }
    switch (action) {
      case kWrite:
        StartWrite(event);
        break;
      case kWriteLast:
        // With the status in the same write: one send fewer per evaluation.
        StartWriteAndFinish(&last_, grpc::WriteOptions(), grpc::Status::OK);
        break;
      case kFinish:
        Finish(gone_ ? grpc::Status(grpc::StatusCode::CANCELLED,
                                    "the caller went away")
                     : end_);
        break;
      case kNothing:
        break;
    }
  }

  WorkerServiceImpl* const service_;
  const v1::EvaluateRequest request_;
  std::chrono::steady_clock::time_point start_;

  absl::Mutex mu_;
  std::shared_ptr<Canceller> canceller_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;               // OnCancel ran.
  std::deque<v1::EvaluateEvent> queue_ ABSL_GUARDED_BY(mu_);  // To write.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool gone_ ABSL_GUARDED_BY(mu_) = false;  // A write failed.
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // The evaluation returned.
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  v1::EvaluateEvent last_;  // Written once done_.
  grpc::Status end_;        // The status when there is no last event.
};

WorkerServiceImpl::WorkerServiceImpl(Options options)
    : options_(std::move(options)), threads_(options_.slots->size()) {
  CountSlots();
}

void WorkerServiceImpl::CountSlots() {
  if (options_.metrics == nullptr) return;
  // One reading and both gauges together, so concurrent ends cannot leave
  // an older reading in place.
  absl::MutexLock lock(&count_mu_);
  const int busy = options_.slots->busy();
  options_.metrics->slots.Labels({"busy"}).Set(busy);
  options_.metrics->slots.Labels({"free"}).Set(options_.slots->size() - busy);
}

void WorkerServiceImpl::Count(const char* outcome,
                              std::chrono::steady_clock::time_point start,
                              const absl::StatusOr<v1::EvaluationResult>& r) {
  CountSlots();
  WorkerMetrics* m = options_.metrics;
  if (m == nullptr) return;
  m->evaluations.Labels({outcome}).Increment();
  m->evaluation_duration_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  if (r.ok()) {
    const v1::PhaseSeconds& p = r->phase_seconds();
    for (const auto& [phase, seconds] : {std::pair{v1::PHASE_SETUP, p.setup()},
                                         {v1::PHASE_TRAIN, p.train()},
                                         {v1::PHASE_PRUNE, p.prune()},
                                         {v1::PHASE_FINETUNE, p.finetune()},
                                         {v1::PHASE_MEASURE, p.measure()},
                                         {v1::PHASE_EXPORT, p.export_()}}) {
      // A phase the evaluation did not run (no pruning, no export) is not
      // a zero-second one.
      if (seconds > 0)
        m->phase_seconds.Labels({PhaseLabel(phase)}).Observe(seconds);
    }
  }
  if (r.ok() && r->train_samples_per_second() > 0) {
    m->train_samples_per_second.Set(r->train_samples_per_second());
    m->train_gflops_per_second.Set(r->train_gflops_per_second());
  }
}

grpc::ServerWriteReactor<v1::EvaluateEvent>* WorkerServiceImpl::Evaluate(
    grpc::CallbackServerContext* context, const v1::EvaluateRequest* request) {
  (void)context;
  auto* reactor = new EvaluateReactor(this, *request);
  reactor->Begin();
  return reactor;
}

grpc::ServerUnaryReactor* WorkerServiceImpl::Cancel(
    grpc::CallbackServerContext* context, const v1::CancelRequest* request,
    v1::CancelResponse* response) {
  response->set_cancelled(options_.slots->Cancel(request->trial_id()));
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* WorkerServiceImpl::Drain(
    grpc::CallbackServerContext* context, const v1::DrainRequest*,
    v1::DrainResponse* response) {
  options_.slots->Drain();
  // The controller hears of it at once (a heartbeat now), not at the next
  // beat.
  if (options_.heartbeat_now) options_.heartbeat_now();
  response->set_running(options_.slots->busy());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* WorkerServiceImpl::Status(
    grpc::CallbackServerContext* context, const v1::WorkerStatusRequest*,
    v1::WorkerStatus* response) {
  const WorkerIdentity& id = options_.identity;
  response->set_name(id.name);
  response->set_address(id.address);
  response->set_device(id.device);
  response->set_evaluator_version(id.evaluator_version);
  response->set_synthetic(id.synthetic);
  for (v1::SlotStatus& s : options_.slots->Snapshot()) {
    *response->add_slots() = std::move(s);
  }
  response->set_evaluations_completed(options_.slots->completed());
  response->set_evaluations_failed(options_.slots->failed());
  response->set_draining(options_.slots->draining());
  response->set_uptime_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace nasprune::worker
