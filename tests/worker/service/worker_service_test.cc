// The Worker service in process (an in-process gRPC server and a stub),
// checking what it records in its injected metrics.

#include "worker/service/worker_service.h"

#include "common/metrics/metrics.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace nasprune::worker {
namespace {

class WorkerServiceMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<WorkerServiceImpl>(
        WorkerIdentity{.name = "w"}, &slots_,
        [](const v1::EvaluateRequest& request,
           const std::function<void(const v1::TrialProgress&)>&,
           Canceller&) -> absl::StatusOr<v1::EvaluationResult> {
          if (request.trial_id() == "bad") {
            return absl::InvalidArgumentError("bad genome");
          }
          v1::EvaluationResult result;
          result.set_train_samples_per_second(1234);
          return result;
        },
        &metrics_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Worker::NewStub(server_->InProcessChannel({}));
  }
  void TearDown() override { server_->Shutdown(); }

  void Evaluate(const std::string& trial_id) {
    v1::EvaluateRequest request;
    request.set_trial_id(trial_id);
    request.mutable_genome();
    grpc::ClientContext context;
    auto reader = stub_->Evaluate(&context, request);
    v1::EvaluateEvent event;
    while (reader->Read(&event)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
  }

  SlotTable slots_{2};
  metrics::Registry registry_;
  WorkerMetrics metrics_{registry_};
  std::unique_ptr<WorkerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

TEST_F(WorkerServiceMetricsTest, CountsEvaluationsByOutcome) {
  Evaluate("t1");
  Evaluate("t2");
  Evaluate("bad");
  EXPECT_EQ(metrics_.evaluations.Labels({"succeeded"}).value(), 2);
  EXPECT_EQ(metrics_.evaluations.Labels({"failed"}).value(), 1);
  EXPECT_EQ(metrics_.evaluation_duration_seconds.count(), 3u);
  EXPECT_EQ(metrics_.train_samples_per_second.value(), 1234);
  EXPECT_EQ(metrics_.slots.Labels({"free"}).value(), 2);
  EXPECT_EQ(metrics_.slots.Labels({"busy"}).value(), 0);
  const std::string text = registry_.TextFormat();
  EXPECT_NE(
      text.find("nasprune_worker_evaluations_total{outcome=\"succeeded\"} 2"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace nasprune::worker
