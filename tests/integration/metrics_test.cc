// The metrics port of every process, against the real service: /metrics
// passes `promtool check metrics` and carries the job's series, /healthz
// and /readyz answer, and readiness follows Redis and registration (the
// gRPC health service with it).

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster.h"
#include "tests/testing/http.h"

namespace nasprune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The exit status of `promtool check metrics` on `text`, its output in
// `output`.
int PromtoolCheck(const Cluster& cluster, const std::string& text,
                  std::string* output) {
  const std::string in = cluster.dir() + "/scrape.txt";
  const std::string out = cluster.dir() + "/promtool.txt";
  std::ofstream(in) << text;
  const int rc = std::system(
      absl::StrCat("promtool check metrics < ", in, " > ", out, " 2>&1")
          .c_str());
  std::ifstream read(out);
  output->assign(std::istreambuf_iterator<char>(read),
                 std::istreambuf_iterator<char>());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The value of the sample `series` (name and labels as printed) in a
// scrape; 0 when absent.
double SampleValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::atof(text.c_str() + at + series.size() + 2);
}

// The controller API's health as the gRPC health service reports it.
grpc::health::v1::HealthCheckResponse::ServingStatus ApiHealth(
    const Cluster& cluster) {
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      cluster.controller_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("nasprune.v1.NasController");
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = health->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

// Polls `port`'s /readyz until it answers `status` or 15 s pass; the last.
HttpResponse WaitForReadyz(int port, int status) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  HttpResponse response;
  do {
    response = HttpGet(port, "/readyz");
    if (response.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < end);
  return response;
}

TEST(Metrics, EveryProcessServesValidMetricsWithTheJobsSeries) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorkers(2, {.slots = 2, .synthetic_delay_ms = 20});
  absl::StatusOr<v1::JobStatus> job =
      cluster.Submit(SyntheticJobSpec("metrics", "random: {}", 12));
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<v1::JobStatus> done =
      cluster.WaitForJob(job->job_id(), std::chrono::seconds(60));
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED);

  std::vector<int> ports = {cluster.controller_metrics_port()};
  for (int i = 0; i < cluster.worker_count(); ++i) {
    ports.push_back(cluster.worker_metrics_port(i));
  }
  for (int port : ports) {
    SCOPED_TRACE(absl::StrCat("metrics port ", port));
    const HttpResponse metrics = HttpGet(port, "/metrics");
    ASSERT_EQ(metrics.status, 200);
    std::string promtool;
    EXPECT_EQ(PromtoolCheck(cluster, metrics.body, &promtool), 0) << promtool;
    EXPECT_EQ(HttpGet(port, "/healthz").status, 200);
    EXPECT_EQ(WaitForReadyz(port, 200).status, 200);
  }
  // Gauges follow the manager's rounds; the ended job's own series leave
  // the output (bounded series).
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text;
  do {
    text = HttpGet(cluster.controller_metrics_port(), "/metrics").body;
    if (text.find("nasprune_best_accuracy{job_id=") == std::string::npos &&
        text.find("nasprune_jobs{state=\"succeeded\"} 1") !=
            std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < end);
  EXPECT_THAT(text, HasSubstr("nasprune_trials_total{state=\"succeeded\"} 12"));
  EXPECT_THAT(text, HasSubstr("nasprune_jobs{state=\"succeeded\"} 1"));
  EXPECT_THAT(text, HasSubstr("nasprune_workers{state=\"in_rotation\"} 2"));
  EXPECT_THAT(text, HasSubstr("nasprune_store_up 1"));
  for (const char* series :
       {"nasprune_best_accuracy{", "nasprune_pareto_front_size{",
        "nasprune_pareto_hypervolume{"}) {
    EXPECT_THAT(text, Not(HasSubstr(series)));
  }
  // Every trial was evaluated on a worker or answered from the cache.
  double evaluations = 0;
  for (int i = 0; i < cluster.worker_count(); ++i) {
    const std::string worker =
        HttpGet(cluster.worker_metrics_port(i), "/metrics").body;
    EXPECT_GT(SampleValue(worker, "nasprune_worker_resident_memory_bytes"), 0);
    evaluations += SampleValue(
        worker, "nasprune_worker_evaluations_total{outcome=\"succeeded\"}");
  }
  EXPECT_EQ(
      evaluations +
          SampleValue(text, "nasprune_cache_requests_total{result=\"hit\"}"),
      12);
}

TEST(Metrics, ControllerIsNotReadyWhileRedisIsDown) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  const int port = cluster.controller_metrics_port();
  ASSERT_EQ(WaitForReadyz(port, 200).status, 200);
  EXPECT_EQ(ApiHealth(cluster), grpc::health::v1::HealthCheckResponse::SERVING);

  cluster.redis().Kill();
  const HttpResponse down = WaitForReadyz(port, 503);
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr("not ready: redis does not answer"));
  EXPECT_EQ(HttpGet(port, "/healthz").status, 200);  // Still running.
  EXPECT_EQ(ApiHealth(cluster),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  ASSERT_TRUE(cluster.redis().Restart());
  EXPECT_EQ(WaitForReadyz(port, 200).status, 200);
  EXPECT_EQ(ApiHealth(cluster), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(Metrics, WorkerIsNotReadyWithoutItsController) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  const int index = cluster.AddWorker({});
  const int port = cluster.worker_metrics_port(index);
  ASSERT_EQ(WaitForReadyz(port, 200).status, 200);

  cluster.KillController(SIGKILL);
  const HttpResponse down = WaitForReadyz(port, 503);
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body,
              HasSubstr("not ready: not registered with the controller at"));

  ASSERT_TRUE(cluster.StartController());
  EXPECT_EQ(WaitForReadyz(port, 200).status, 200);
}

}  // namespace
}  // namespace nasprune::testing
