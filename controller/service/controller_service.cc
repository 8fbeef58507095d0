#include "controller/service/controller_service.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/grpc_status.h"

namespace nasprune::controller {
namespace {

// Finishes a unary call with `result`, moved into `response` when OK.
template <typename T>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 absl::StatusOr<T> result, T* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

// Streams a job's events: replays from the requested sequence, then waits
// for the manager's notifications. Deletes itself when done.
class WatchReactor final : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  WatchReactor(EventHub* hub, const v1::WatchJobRequest& request)
      : hub_(hub), job_id_(request.job_id()), link_(std::make_shared<Link>()) {
    absl::StatusOr<EventHub::Start> start = hub_->Open(request);
    if (!start.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(start.status()));
      return;
    }
    // Where it starts is set before any notification can read from it.
    {
      absl::MutexLock lock(&mu_);
      after_ = start->after;
      if (start->snapshot.has_value()) {
        pending_.push_back(*std::move(start->snapshot));
      }
    }
    // Notifications reach it only once it is whole (subscription_ set);
    // what arrives before is read by the WriteNext below.
    absl::StatusOr<int64_t> subscription =
        hub_->Subscribe(job_id_, [link = link_] {
          absl::MutexLock lock(&link->mu);
          if (link->reactor != nullptr) link->reactor->WriteNext();
        });
    if (!subscription.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(subscription.status()));
      return;
    }
    subscription_ = *subscription;
    {
      absl::MutexLock lock(&link_->mu);
      link_->reactor = this;
    }
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        if (finished_) return;
        finished_ = true;
      } else {
        // The snapshot (sequence 0) moves nothing.
        after_ = std::max(after_, pending_.front().sequence());
        pending_.pop_front();
      }
    }
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher left"));
      return;
    }
    WriteNext();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      // A write in flight fails, and OnWriteDone finishes.
      if (finished_ || writing_) return;
      finished_ = true;
    }
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher left"));
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&link_->mu);
      link_->reactor = nullptr;
    }
    if (subscription_ != 0) hub_->Unsubscribe(subscription_);
    delete this;
  }

  // Starts the next write, or finishes when the job ended and everything
  // was sent. Any thread.
  void WriteNext() {
    const v1::JobEvent* next = nullptr;
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (pending_.empty()) {
        const int64_t from = after_;
        absl::StatusOr<EventHub::Events> events =
            hub_->Read(job_id_, from, 256);
        if (!events.ok()) {
          finish = ToGrpcStatus(events.status());
        } else {
          for (v1::JobEvent& event : events->events) {
            pending_.push_back(std::move(event));
          }
          if (pending_.empty() && events->ended) finish = grpc::Status::OK;
        }
      }
      if (finish.has_value()) {
        finished_ = true;
      } else if (!pending_.empty()) {
        writing_ = true;
        next = &pending_.front();
      }
    }
    if (finish.has_value()) {
      Finish(*finish);
    } else if (next != nullptr) {
      StartWrite(next);
    }
  }

 private:
  // What the manager's notification reaches; cleared before deletion.
  struct Link {
    absl::Mutex mu;
    WatchReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;
  };

  EventHub* const hub_;
  const std::string job_id_;
  absl::Mutex mu_;
  int64_t after_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<v1::JobEvent> pending_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  const std::shared_ptr<Link> link_;
  int64_t subscription_ = 0;
};

// Streams a file already in memory, in chunks of at most 1 MiB.
class DownloadReactor final : public grpc::ServerWriteReactor<v1::ModelChunk> {
 public:
  static constexpr size_t kChunk = 1 << 20;

  DownloadReactor(JobRegistry* registry,
                  const v1::DownloadModelRequest& request) {
    absl::StatusOr<JobRegistry::Model> model = registry->ReadModel(request);
    if (!model.ok()) {
      Finish(ToGrpcStatus(model.status()));
      return;
    }
    data_ = std::move(model->data);
    sha256_ = std::move(model->sha256);
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client left"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (offset_ >= data_.size() && offset_ > 0) {
      Finish(grpc::Status::OK);
      return;
    }
    chunk_.Clear();
    if (offset_ == 0) {
      chunk_.set_total_bytes(static_cast<int64_t>(data_.size()));
      chunk_.set_sha256(sha256_);
    }
    const size_t size = std::min(kChunk, data_.size() - offset_);
    chunk_.set_data(data_.substr(offset_, size));
    offset_ += size;
    if (offset_ == 0) offset_ = 1;  // An empty file: one chunk, then done.
    StartWrite(&chunk_);
  }

  std::string data_;
  std::string sha256_;
  size_t offset_ = 0;
  v1::ModelChunk chunk_;
};

}  // namespace

grpc::ServerUnaryReactor* ControllerServiceImpl::SubmitJob(
    grpc::CallbackServerContext* context, const v1::SubmitJobRequest* request,
    v1::SubmitJobResponse* response) {
  absl::StatusOr<v1::JobStatus> job = manager_->Submit(*request);
  if (!job.ok()) {
    return Answer<v1::SubmitJobResponse>(context, job.status(), response);
  }
  v1::SubmitJobResponse answer;
  *answer.mutable_job() = *std::move(job);
  return Answer(context, absl::StatusOr<v1::SubmitJobResponse>(answer),
                response);
}

grpc::ServerUnaryReactor* ControllerServiceImpl::GetJob(
    grpc::CallbackServerContext* context, const v1::GetJobRequest* request,
    v1::JobStatus* response) {
  return Answer(context, manager_->registry().GetJob(*request), response);
}

grpc::ServerUnaryReactor* ControllerServiceImpl::ListJobs(
    grpc::CallbackServerContext* context, const v1::ListJobsRequest* request,
    v1::ListJobsResponse* response) {
  return Answer(context, manager_->registry().ListJobs(*request), response);
}

grpc::ServerUnaryReactor* ControllerServiceImpl::CancelJob(
    grpc::CallbackServerContext* context, const v1::CancelJobRequest* request,
    v1::JobStatus* response) {
  // Answered from the scheduler once the cancellation is written; no thread
  // waits for it.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  manager_->CancelJob(*request,
                      [reactor, response](absl::StatusOr<v1::JobStatus> job) {
                        if (job.ok()) *response = *std::move(job);
                        reactor->Finish(ToGrpcStatus(job.status()));
                      });
  return reactor;
}

grpc::ServerWriteReactor<v1::JobEvent>* ControllerServiceImpl::WatchJob(
    grpc::CallbackServerContext* context, const v1::WatchJobRequest* request) {
  (void)context;
  return new WatchReactor(&manager_->events(), *request);
}

grpc::ServerUnaryReactor* ControllerServiceImpl::ListTrials(
    grpc::CallbackServerContext* context, const v1::ListTrialsRequest* request,
    v1::ListTrialsResponse* response) {
  return Answer(context, manager_->registry().ListTrials(*request), response);
}

grpc::ServerUnaryReactor* ControllerServiceImpl::GetParetoFront(
    grpc::CallbackServerContext* context,
    const v1::GetParetoFrontRequest* request, v1::ParetoFront* response) {
  return Answer(context, manager_->registry().GetParetoFront(*request),
                response);
}

grpc::ServerWriteReactor<v1::ModelChunk>* ControllerServiceImpl::DownloadModel(
    grpc::CallbackServerContext* context,
    const v1::DownloadModelRequest* request) {
  (void)context;
  return new DownloadReactor(&manager_->registry(), *request);
}

grpc::ServerUnaryReactor* ControllerServiceImpl::ListWorkers(
    grpc::CallbackServerContext* context, const v1::ListWorkersRequest* request,
    v1::ListWorkersResponse* response) {
  (void)request;
  for (v1::WorkerInfo& w : pool_->Describe()) {
    *response->add_workers() = std::move(w);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace nasprune::controller
