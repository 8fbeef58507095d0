#ifndef NASPRUNE_CONTROLLER_METRICS_H_
#define NASPRUNE_CONTROLLER_METRICS_H_

// The controller's metrics (docs/controller.md), each named once here. main.cc
// makes one registry and one ControllerMetrics and passes it to the components;
// serving the registry over HTTP is the exposition's business.

#include "common/metrics/metrics.h"

namespace nasprune::controller {

struct ControllerMetrics {
  explicit ControllerMetrics(metrics::Registry& registry);

  // Trials reaching a final state, by state (succeeded, failed,
  // early_stopped, cancelled).
  metrics::Family<metrics::Counter>& trials;
  // Dispatch to result of evaluations that ran on a worker.
  metrics::Histogram& trial_duration_seconds;
  // Evaluation cache lookups by result (hit, miss, error).
  metrics::Family<metrics::Counter>& cache_requests;
  metrics::Histogram& cache_lookup_seconds;
  // From taking a trial for a free slot to sending it (the lookup included).
  metrics::Histogram& dispatch_latency_seconds;
  // Trials queued again after a worker loss or a retryable failure.
  metrics::Counter& trial_retries;
  // Workers declared lost (missed heartbeats or a new registration).
  metrics::Counter& worker_losses;
  // Workers by state (in_rotation, out_of_rotation) and slots (busy, free).
  metrics::Family<metrics::Gauge>& workers;
  metrics::Family<metrics::Gauge>& worker_slots;
  // Trials waiting for a slot, over all jobs.
  metrics::Gauge& queue_depth;
  // Jobs by state.
  metrics::Family<metrics::Gauge>& jobs;
  // Best validation accuracy so far, by job.
  metrics::Family<metrics::Gauge>& best_accuracy;
  // Per running job: points on its Pareto front and their hypervolume.
  metrics::Family<metrics::Gauge>& pareto_size;
  metrics::Family<metrics::Gauge>& hypervolume;
  // Genomes the search strategies proposed, by strategy kind (random,
  // evolution, nsga2, reinforce), and the draws they refused before
  // proposing, by kind and reason (infeasible: the analytic constraints;
  // duplicate: proposed before in the job).
  metrics::Family<metrics::Counter>& strategy_proposals;
  metrics::Family<metrics::Counter>& strategy_rejected_draws;
  // Store writes that failed, and whether the last write succeeded.
  metrics::Counter& store_errors;
  metrics::Gauge& store_up;
  // Wall time of one store write (a batch of commits and cache entries).
  metrics::Histogram& store_write_seconds;
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_METRICS_H_
