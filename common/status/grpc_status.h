#ifndef NASPRUNE_COMMON_STATUS_GRPC_STATUS_H_
#define NASPRUNE_COMMON_STATUS_GRPC_STATUS_H_

// The one conversion between absl::Status (inside) and grpc::Status (at the
// edge of every service and client). Codes map one to one; messages are
// kept.

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace nasprune {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace nasprune

#endif  // NASPRUNE_COMMON_STATUS_GRPC_STATUS_H_
