#include "common/metrics/metrics_server.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/http.h"
#include "tests/testing/process.h"

namespace nasprune::metrics {
namespace {

using ::nasprune::testing::HttpGet;
using ::nasprune::testing::HttpRequest;
using ::testing::HasSubstr;

class MetricsServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetricsServer> Start(MetricsServerOptions options) {
    options.registry = &registry_;
    absl::StatusOr<std::unique_ptr<MetricsServer>> server =
        MetricsServer::Create(std::move(options));
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  Registry registry_;
};

TEST_F(MetricsServerTest, ServesTheRegistryOnAnyFreePort) {
  registry_.AddCounter("nasprune_requests_total", "Requests.").Increment(2);
  std::atomic<int> scrapes{0};
  std::unique_ptr<MetricsServer> server =
      Start({.address = "127.0.0.1:0", .before_scrape = [&] { ++scrapes; }});
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  const testing::HttpResponse response = HttpGet(server->port(), "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(response.body, HasSubstr("\nnasprune_requests_total 2\n"));
  EXPECT_EQ(scrapes.load(), 1);
}

TEST_F(MetricsServerTest, HealthzIsAlwaysOk) {
  std::unique_ptr<MetricsServer> server =
      Start({.address = "localhost:0", .readiness = [] {
               return absl::UnavailableError("redis is down");
             }});
  ASSERT_NE(server, nullptr);
  const testing::HttpResponse response = HttpGet(server->port(), "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(MetricsServerTest, ReadyzFollowsTheReadinessCheck) {
  std::atomic<bool> ready{false};
  std::unique_ptr<MetricsServer> server = Start(
      {.address = "127.0.0.1:0", .readiness = [&]() -> absl::Status {
         if (ready) return absl::OkStatus();
         return absl::UnavailableError("not registered with a controller");
       }});
  ASSERT_NE(server, nullptr);
  testing::HttpResponse response = HttpGet(server->port(), "/readyz");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "not ready: not registered with a controller\n");
  ready = true;
  response = HttpGet(server->port(), "/readyz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ready\n");
}

TEST_F(MetricsServerTest, HeadHasNoBodyOtherMethodsAre405OtherPaths404) {
  std::unique_ptr<MetricsServer> server = Start({.address = "127.0.0.1:0"});
  ASSERT_NE(server, nullptr);
  testing::HttpResponse head = HttpRequest(server->port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  testing::HttpResponse post = HttpRequest(server->port(), "POST", "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_THAT(post.headers, HasSubstr("Allow: GET, HEAD"));
  EXPECT_EQ(HttpGet(server->port(), "/metrics/extra").status, 404);
  EXPECT_EQ(HttpGet(server->port(), "/nothing").status, 404);
}

TEST_F(MetricsServerTest, MalformedAddressesNameTheFlag) {
  for (const char* address : {"", "9090", "127.0.0.1:", "127.0.0.1:65536",
                              "127.0.0.1:-1", ":9090", "example.com:9090"}) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server =
        MetricsServer::Create({.address = address,
                               .flag = "--metrics-address",
                               .registry = &registry_});
    ASSERT_FALSE(server.ok()) << address;
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument)
        << address;
    EXPECT_THAT(server.status().message(), HasSubstr("--metrics-address"));
  }
}

TEST_F(MetricsServerTest, APortInUseIsUnavailable) {
  std::unique_ptr<MetricsServer> first = Start({.address = "127.0.0.1:0"});
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<MetricsServer>> second = MetricsServer::Create(
      {.address = "127.0.0.1:" + std::to_string(first->port()),
       .registry = &registry_});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on"));
}

TEST_F(MetricsServerTest, ARegistryIsRequired) {
  EXPECT_EQ(MetricsServer::Create({.address = "127.0.0.1:0"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::metrics
