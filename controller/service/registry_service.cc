#include "controller/service/registry_service.h"

#include "common/status/grpc_status.h"

namespace nasprune::controller {

RegistryServiceImpl::RegistryServiceImpl(
    WorkerPool* pool, std::function<void(const WorkerPool::Lost&)> on_lost)
    : pool_(pool), on_lost_(std::move(on_lost)) {}

grpc::Status RegistryServiceImpl::Register(grpc::ServerContext*,
                                           const v1::RegisterRequest* request,
                                           v1::RegisterResponse* response) {
  WorkerPool::Lost lost;
  absl::StatusOr<v1::RegisterResponse> registered =
      pool_->Register(*request, &lost);
  if (!registered.ok()) return ToGrpcStatus(registered.status());
  if (!lost.trial_ids.empty() && on_lost_) on_lost_(lost);
  *response = *std::move(registered);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::Heartbeat(grpc::ServerContext*,
                                            const v1::HeartbeatRequest* request,
                                            v1::HeartbeatResponse* response) {
  *response = pool_->Heartbeat(*request);
  return grpc::Status::OK;
}

}  // namespace nasprune::controller
