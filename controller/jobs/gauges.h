#ifndef NASPRUNE_CONTROLLER_JOBS_GAUGES_H_
#define NASPRUNE_CONTROLLER_JOBS_GAUGES_H_

// The controller's gauges, read off the jobs and the workers: jobs by
// state, queue depth, best accuracy per job, workers and slots by state.
// Called by the scheduler thread every commit interval.

#include "controller/jobs/job_registry.h"
#include "controller/metrics.h"
#include "controller/scheduler/worker_pool.h"

namespace nasprune::controller {

// Takes the registry's lock shared.
void UpdateGauges(ControllerMetrics& metrics, JobRegistry& registry,
                  WorkerPool& pool);

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_GAUGES_H_
