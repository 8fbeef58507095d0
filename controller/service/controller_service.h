#ifndef NASPRUNE_CONTROLLER_SERVICE_CONTROLLER_SERVICE_H_
#define NASPRUNE_CONTROLLER_SERVICE_CONTROLLER_SERVICE_H_

// The gRPC NasController service (proto/nasprune/v1/controller.proto) over
// the JobManager, on the callback API: unary methods answer from the job
// registry (Submit and CancelJob through the manager, which wakes the
// scheduler); WatchJob streams a job's events from the event hub as they
// happen (one write in flight at a time; a slow client falls behind, not
// the scheduler); DownloadModel streams an archive in 1 MiB chunks after
// checking its SHA-256; ListWorkers answers from the worker pool. Statuses are
// converted here, once.

#include "controller/jobs/job_manager.h"
#include "controller/scheduler/worker_pool.h"
#include "nasprune/v1/controller.grpc.pb.h"

namespace nasprune::controller {

class ControllerServiceImpl final : public v1::NasController::CallbackService {
 public:
  // `manager` and `pool` must outlive the service.
  ControllerServiceImpl(JobManager* manager, const WorkerPool* pool)
      : manager_(manager), pool_(pool) {}

  grpc::ServerUnaryReactor* SubmitJob(grpc::CallbackServerContext* context,
                                      const v1::SubmitJobRequest* request,
                                      v1::SubmitJobResponse* response) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* context,
                                   const v1::GetJobRequest* request,
                                   v1::JobStatus* response) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListJobsResponse* response) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* context,
                                      const v1::CancelJobRequest* request,
                                      v1::JobStatus* response) override;
  grpc::ServerWriteReactor<v1::JobEvent>* WatchJob(
      grpc::CallbackServerContext* context,
      const v1::WatchJobRequest* request) override;
  grpc::ServerUnaryReactor* ListTrials(
      grpc::CallbackServerContext* context,
      const v1::ListTrialsRequest* request,
      v1::ListTrialsResponse* response) override;
  grpc::ServerUnaryReactor* GetParetoFront(
      grpc::CallbackServerContext* context,
      const v1::GetParetoFrontRequest* request,
      v1::ParetoFront* response) override;
  grpc::ServerWriteReactor<v1::ModelChunk>* DownloadModel(
      grpc::CallbackServerContext* context,
      const v1::DownloadModelRequest* request) override;
  grpc::ServerUnaryReactor* ListWorkers(
      grpc::CallbackServerContext* context,
      const v1::ListWorkersRequest* request,
      v1::ListWorkersResponse* response) override;

 private:
  JobManager* const manager_;
  const WorkerPool* const pool_;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_SERVICE_CONTROLLER_SERVICE_H_
