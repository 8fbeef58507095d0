#ifndef NASPRUNE_CONTROLLER_SERVICE_REGISTRY_SERVICE_H_
#define NASPRUNE_CONTROLLER_SERVICE_REGISTRY_SERVICE_H_

// The gRPC WorkerRegistry service (proto/nasprune/v1/worker.proto) over
// the WorkerPool: the edge where workers register and heartbeat.

#include <functional>

#include "controller/scheduler/worker_pool.h"
#include "nasprune/v1/worker.grpc.pb.h"

namespace nasprune::controller {

class RegistryServiceImpl final : public v1::WorkerRegistry::Service {
 public:
  // `pool` must outlive the service. `on_lost` receives the trials of a
  // worker that registered again (it restarted), for re-queueing.
  RegistryServiceImpl(WorkerPool* pool,
                      std::function<void(const WorkerPool::Lost&)> on_lost);

  grpc::Status Register(grpc::ServerContext* context,
                        const v1::RegisterRequest* request,
                        v1::RegisterResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context,
                         const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override;

 private:
  WorkerPool* const pool_;
  const std::function<void(const WorkerPool::Lost&)> on_lost_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SERVICE_REGISTRY_SERVICE_H_
