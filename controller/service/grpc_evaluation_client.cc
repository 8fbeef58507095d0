#include "controller/service/grpc_evaluation_client.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace nasprune::controller {
namespace {

// One call. Deletes itself when gRPC is done with it; the handle it shares
// with the caller forgets it first, so Cancel after the end is a no-op.
class EvaluateReactor final
    : public grpc::ClientReadReactor<v1::EvaluateEvent> {
 public:
  struct Handle final : Evaluation {
    void Cancel() override {
      absl::MutexLock lock(&mu);
      if (context != nullptr) context->TryCancel();
    }
    absl::Mutex mu;
    grpc::ClientContext* context ABSL_GUARDED_BY(mu) = nullptr;
  };

  EvaluateReactor(std::string address, const v1::EvaluateRequest& request,
                  std::chrono::milliseconds deadline,
                  EvaluationClient::Callbacks callbacks)
      : address_(std::move(address)),
        callbacks_(std::move(callbacks)),
        handle_(std::make_shared<Handle>()),
        request_(request) {
    context_.set_deadline(std::chrono::system_clock::now() + deadline);
    // A worker that cannot be reached yet is waited for (a dead one is
    // expired by its missed heartbeats); UNAVAILABLE then means a stream
    // that broke.
    context_.set_wait_for_ready(true);
    absl::MutexLock lock(&handle_->mu);
    handle_->context = &context_;
  }

  void Start(v1::Worker::Stub* stub) {
    stub->async()->Evaluate(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }

  std::shared_ptr<Handle> handle() const { return handle_; }

  // Ends the call without starting it: on_done gets CANCELLED.
  void Abandon() {
    OnDone(grpc::Status(grpc::StatusCode::CANCELLED,
                        "the evaluation client is shutting down"));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // The stream ended; OnDone follows.
    if (event_.has_progress()) {
      if (callbacks_.on_progress) callbacks_.on_progress(event_.progress());
    } else if (!final_.has_value()) {
      final_ = event_;
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      absl::MutexLock lock(&handle_->mu);
      handle_->context = nullptr;
    }
    absl::StatusOr<v1::EvaluateEvent> outcome;
    if (final_.has_value()) {
      outcome = *std::move(final_);
    } else if (!status.ok()) {
      absl::Status error = FromGrpcStatus(status);
      outcome = absl::Status(error.code(), absl::StrCat("worker at ", address_,
                                                        ": ", error.message()));
    } else {
      outcome = absl::UnavailableError(absl::StrCat(
          "worker at ", address_, " ended the evaluation without a result"));
    }
    callbacks_.on_done(std::move(outcome));
    delete this;
  }

 private:
  const std::string address_;
  const EvaluationClient::Callbacks callbacks_;
  const std::shared_ptr<Handle> handle_;
  grpc::ClientContext context_;
  v1::EvaluateRequest request_;
  v1::EvaluateEvent event_;
  std::optional<v1::EvaluateEvent> final_;
};

}  // namespace

GrpcEvaluationClient::GrpcEvaluationClient()
    : starter_([this] { StartLoop(); }) {}

GrpcEvaluationClient::~GrpcEvaluationClient() {
  {
    absl::MutexLock lock(&start_mu_);
    stopping_ = true;
  }
  starter_.join();
}

void GrpcEvaluationClient::StartLoop() {
  for (;;) {
    std::deque<std::function<void()>> batch;
    {
      absl::MutexLock lock(&start_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(start_mu_) {
        return stopping_ || !to_start_.empty();
      };
      start_mu_.Await(absl::Condition(&ready));
      if (to_start_.empty()) return;  // Stopping, and everything started.
      batch.swap(to_start_);
    }
    for (const std::function<void()>& start : batch) start();
  }
}

v1::Worker::Stub* GrpcEvaluationClient::StubFor(const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto& stub = stubs_[address];
  if (stub == nullptr) {
    grpc::ChannelArguments args;
    // A restarted worker is reachable again quickly.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    stub = v1::Worker::NewStub(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
  }
  return stub.get();
}

std::shared_ptr<Evaluation> GrpcEvaluationClient::Start(
    const std::string& address, const v1::EvaluateRequest& request,
    std::chrono::milliseconds deadline, Callbacks callbacks) {
  auto* reactor =
      new EvaluateReactor(address, request, deadline, std::move(callbacks));
  std::shared_ptr<Evaluation> handle = reactor->handle();
  v1::Worker::Stub* stub = StubFor(address);
  {
    absl::MutexLock lock(&start_mu_);
    if (!stopping_) {
      to_start_.push_back([reactor, stub] { reactor->Start(stub); });
      return handle;
    }
  }
  // The client is being destroyed: the call never starts.
  reactor->Abandon();
  return handle;
}

}  // namespace nasprune::controller
