#include "common/status/grpc_status.h"

#include "gtest/gtest.h"

namespace nasprune {
namespace {

TEST(GrpcStatus, EveryCodeAndMessageRoundTrips) {
  for (int code = 0; code <= 16; ++code) {
    const absl::Status original(static_cast<absl::StatusCode>(code),
                                code == 0 ? "" : "stages[1].channels: 0");
    const grpc::Status wire = ToGrpcStatus(original);
    EXPECT_EQ(static_cast<int>(wire.error_code()), code);
    EXPECT_EQ(FromGrpcStatus(wire), original);
  }
}

}  // namespace
}  // namespace nasprune
