#include "common/daemon/host_port.h"

#include "gtest/gtest.h"

namespace nasprune {
namespace {

TEST(HostPort, SplitsAtTheLastColon) {
  absl::StatusOr<HostPort> v4 = ParseHostPort("--listen", "127.0.0.1:50051");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 50051);
  absl::StatusOr<HostPort> v6 = ParseHostPort("--listen", "[::1]:7");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 7);
}

TEST(HostPort, RejectsWhatIsNotHostAndPortNamingTheFlag) {
  for (const char* bad : {"localhost", ":80", "h:0", "h:65536", "h:x", "h:"}) {
    absl::StatusOr<HostPort> parsed = ParseHostPort("--redis", bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_NE(parsed.status().message().find("--redis: \""), std::string::npos)
        << parsed.status();
  }
}

}  // namespace
}  // namespace nasprune
