// The Worker service in process (an in-process gRPC server and a stub)
// around a hand-written evaluator: what it streams, how a caller that
// leaves stops the evaluation at once, and what it records in its metrics.

#include "worker/service/worker_service.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "common/metrics/metrics.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace nasprune::worker {
namespace {

// Fails "bad" trials, waits for cancellation in "wait" trials (reporting
// one epoch first), and succeeds the rest.
class FakeEvaluator final : public Evaluator {
 public:
  Info info() const override { return {.version = "fake-1"}; }
  absl::StatusOr<v1::EvaluationResult> Evaluate(
      const v1::EvaluateRequest& request, const ProgressCallback& progress,
      Canceller& canceller) override {
    if (request.trial_id() == "bad") {
      return absl::InvalidArgumentError("bad genome");
    }
    if (request.trial_id().rfind("wait", 0) == 0) {
      v1::TrialProgress p;
      p.set_trial_id(request.trial_id());
      p.set_phase(v1::PHASE_TRAIN);
      p.mutable_epoch()->set_epoch(1);
      progress(p);
      started.Notify();
      canceller.WaitUntil(std::chrono::steady_clock::now() +
                          std::chrono::minutes(5));
      return absl::CancelledError("evaluation cancelled");
    }
    v1::TrialProgress epoch;  // One epoch of 2.5 s, then the result.
    epoch.set_trial_id(request.trial_id());
    epoch.set_phase(v1::PHASE_TRAIN);
    epoch.mutable_epoch()->set_phase(v1::PHASE_TRAIN);
    epoch.mutable_epoch()->set_seconds(2.5);
    progress(epoch);
    v1::EvaluationResult result;
    result.set_cache_key(request.cache_key());
    result.mutable_phase_seconds()->set_setup(0.5);
    result.mutable_phase_seconds()->set_train(3);
    result.set_train_samples_per_second(1234);
    result.set_train_gflops_per_second(5.5);
    return result;
  }
  absl::Notification started;
};

class WorkerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<WorkerServiceImpl>(WorkerServiceImpl::Options{
        .identity = {.name = "w"},
        .slots = &slots_,
        .evaluator = &evaluator_,
        .metrics = &metrics_,
        .heartbeat_now = [this] { freed_.fetch_add(1); }});
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Worker::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override { server_->Shutdown(); }

  struct Call {
    grpc::Status status;
    std::vector<v1::EvaluateEvent> events;
  };
  Call Evaluate(const std::string& trial_id) {
    v1::EvaluateRequest request;
    request.set_trial_id(trial_id);
    request.set_cache_key("k-" + trial_id);
    request.mutable_genome();
    grpc::ClientContext context;
    auto reader = stub_->Evaluate(&context, request);
    Call call;
    v1::EvaluateEvent event;
    while (reader->Read(&event)) call.events.push_back(event);
    call.status = reader->Finish();
    return call;
  }

  SlotTable slots_{2};
  FakeEvaluator evaluator_;
  metrics::Registry registry_;
  WorkerMetrics metrics_{registry_};
  std::atomic<int> freed_{0};
  std::unique_ptr<WorkerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

TEST_F(WorkerServiceTest, AnEvaluationEndsWithExactlyOneResultNamingTheWorker) {
  const Call call = Evaluate("t1");
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  ASSERT_EQ(call.events.size(), 2u);  // The epoch, then the result.
  EXPECT_TRUE(call.events[0].has_progress());
  ASSERT_TRUE(call.events[1].has_result());
  EXPECT_EQ(call.events[1].result().worker(), "w");
  EXPECT_EQ(call.events[1].result().cache_key(), "k-t1");
  EXPECT_TRUE(slots_.Running().empty());
}

TEST_F(WorkerServiceTest, AFailureIsAnEventMarkedDeterministicOrNot) {
  const Call call = Evaluate("bad");
  ASSERT_TRUE(call.status.ok());
  ASSERT_EQ(call.events.size(), 1u);
  ASSERT_TRUE(call.events[0].has_failure());
  EXPECT_EQ(call.events[0].failure().code(), "INVALID_ARGUMENT");
  EXPECT_TRUE(call.events[0].failure().deterministic());
  EXPECT_EQ(call.events[0].failure().worker(), "w");
}

TEST_F(WorkerServiceTest, AMalformedRequestIsInvalidArgumentAndTakesNoSlot) {
  v1::EvaluateRequest request;  // No trial id.
  grpc::ClientContext context;
  auto reader = stub_->Evaluate(&context, request);
  v1::EvaluateEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(metrics_.slots.Labels({"busy"}).Value(), 0);
}

TEST_F(WorkerServiceTest, ACallerThatLeavesStopsItsEvaluationAtOnce) {
  v1::EvaluateRequest request;
  request.set_trial_id("wait-1");
  request.mutable_genome();
  grpc::ClientContext context;
  auto reader = stub_->Evaluate(&context, request);
  v1::EvaluateEvent progress;
  ASSERT_TRUE(reader->Read(&progress));  // Its first epoch.
  EXPECT_TRUE(progress.has_progress());
  EXPECT_EQ(slots_.Running(), std::vector<std::string>{"wait-1"});
  context.TryCancel();
  v1::EvaluateEvent event;
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The evaluation (which waits for minutes unless cancelled) ends, and
  // its slot frees with a word to the registrar.
  server_->Shutdown();
  EXPECT_TRUE(slots_.Running().empty());
  EXPECT_EQ(metrics_.evaluations.Labels({"cancelled"}).Value(), 1);
  EXPECT_EQ(freed_.load(), 1);
}

TEST_F(WorkerServiceTest, CancelStopsARunningEvaluation) {
  std::thread caller([this] {
    const Call call = Evaluate("wait-2");
    EXPECT_EQ(call.status.error_code(), grpc::StatusCode::CANCELLED);
  });
  evaluator_.started.WaitForNotification();
  grpc::ClientContext context;
  v1::CancelRequest request;
  request.set_trial_id("wait-2");
  v1::CancelResponse response;
  ASSERT_TRUE(stub_->Cancel(&context, request, &response).ok());
  EXPECT_TRUE(response.cancelled());
  caller.join();
  EXPECT_TRUE(slots_.Running().empty());
}

TEST_F(WorkerServiceTest, ABusyWorkerRefusesWithResourceExhausted) {
  SlotTable one(1);
  WorkerServiceImpl::Options options{
      .identity = {.name = "w"}, .slots = &one, .evaluator = &evaluator_};
  WorkerServiceImpl service(options);
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = v1::Worker::NewStub(server->InProcessChannel({}));
  ASSERT_TRUE(one.Acquire("busy").ok());
  v1::EvaluateRequest request;
  request.set_trial_id("t");
  request.mutable_genome();
  grpc::ClientContext context;
  auto reader = stub->Evaluate(&context, request);
  v1::EvaluateEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  server->Shutdown();
}

TEST_F(WorkerServiceTest, CountsEvaluationsByOutcome) {
  Evaluate("t1");
  Evaluate("t2");
  Evaluate("bad");
  EXPECT_EQ(metrics_.evaluations.Labels({"succeeded"}).Value(), 2);
  EXPECT_EQ(metrics_.evaluations.Labels({"failed"}).Value(), 1);
  EXPECT_EQ(
      metrics_.evaluation_duration_seconds.Collect().histogram.sample_count,
      3u);
  EXPECT_EQ(metrics_.train_samples_per_second.Value(), 1234);
  EXPECT_EQ(metrics_.train_gflops_per_second.Value(), 5.5);
  // Phases of the two successes; a phase that did not run has no series.
  const auto train = metrics_.phase_seconds.Labels({"train"}).Collect();
  EXPECT_EQ(train.histogram.sample_count, 2u);
  EXPECT_EQ(train.histogram.sample_sum, 6);
  EXPECT_EQ(
      metrics_.phase_seconds.Labels({"setup"}).Collect().histogram.sample_sum,
      1);
  const auto epochs = metrics_.epoch_seconds.Labels({"train"}).Collect();
  EXPECT_EQ(epochs.histogram.sample_count, 2u);
  EXPECT_EQ(epochs.histogram.sample_sum, 5);
  EXPECT_EQ(metrics_.slots.Labels({"free"}).Value(), 2);
  EXPECT_EQ(metrics_.slots.Labels({"busy"}).Value(), 0);
  const std::string text = registry_.TextFormat();
  EXPECT_NE(
      text.find("nasprune_worker_evaluations_total{outcome=\"succeeded\"} 2"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("phase=\"export\""), std::string::npos) << text;
}

TEST_F(WorkerServiceTest, StatusReportsTheSlots) {
  ASSERT_TRUE(slots_.Acquire("j/3").ok());
  grpc::ClientContext context;
  v1::WorkerStatus status;
  ASSERT_TRUE(stub_->Status(&context, {}, &status).ok());
  EXPECT_EQ(status.name(), "w");
  ASSERT_EQ(status.slots_size(), 2);
  EXPECT_EQ(status.slots(0).trial_id(), "j/3");
  slots_.Release("j/3", SlotTable::Outcome::kSucceeded);
}

}  // namespace
}  // namespace nasprune::worker
