#include "controller/metrics.h"

namespace nasprune::controller {

ControllerMetrics::ControllerMetrics(metrics::Registry& registry)
    : trials(registry.AddCounterFamily("nasprune_trials_total",
                                       "Trials that reached a final state.",
                                       {"state"})),
      trial_duration_seconds(registry.AddHistogram(
          "nasprune_trial_duration_seconds",
          "Time from dispatch to the result of evaluations run on workers.",
          metrics::ExponentialBuckets(0.001, 4, 12))),
      cache_requests(registry.AddCounterFamily(
          "nasprune_cache_requests_total",
          "Evaluation cache lookups, by result (hit, miss, error).",
          {"result"})),
      cache_lookup_seconds(
          registry.AddHistogram("nasprune_cache_lookup_seconds",
                                "Time of one evaluation cache lookup.",
                                metrics::ExponentialBuckets(0.00005, 2, 16))),
      dispatch_latency_seconds(registry.AddHistogram(
          "nasprune_dispatch_latency_seconds",
          "Time from taking a trial for a free slot to sending it, the cache "
          "lookup included.",
          metrics::ExponentialBuckets(0.00005, 2, 16))),
      trial_retries(registry.AddCounter(
          "nasprune_trial_retries_total",
          "Trials queued again after a lost worker or a retryable failure.")),
      worker_losses(registry.AddCounter(
          "nasprune_worker_losses_total",
          "Workers declared lost (missed heartbeats or registered again).")),
      workers(registry.AddGaugeFamily(
          "nasprune_workers",
          "Registered workers, by state (in_rotation, out_of_rotation).",
          {"state"})),
      worker_slots(registry.AddGaugeFamily(
          "nasprune_worker_slots",
          "Evaluation slots of registered workers, by state (busy, free).",
          {"state"})),
      queue_depth(registry.AddGauge("nasprune_queue_depth",
                                    "Trials waiting for a worker slot.")),
      jobs(registry.AddGaugeFamily("nasprune_jobs", "Jobs, by state.",
                                   {"state"})),
      best_accuracy(registry.AddGaugeFamily(
          "nasprune_best_accuracy",
          "Best validation accuracy of a running job's feasible trials.",
          {"job_id"})),
      pareto_size(registry.AddGaugeFamily(
          "nasprune_pareto_front_size",
          "Points on a running job's Pareto front.", {"job_id"})),
      hypervolume(registry.AddGaugeFamily(
          "nasprune_pareto_hypervolume",
          "Hypervolume of a running job's Pareto front against its reference "
          "point (costs normalized by it).",
          {"job_id"})),
      strategy_proposals(registry.AddCounterFamily(
          "nasprune_strategy_proposals_total",
          "Genomes the search strategies proposed, by strategy kind.",
          {"strategy"})),
      strategy_rejected_draws(registry.AddCounterFamily(
          "nasprune_strategy_rejected_draws_total",
          "Draws the strategies refused before proposing, by strategy kind "
          "and reason (infeasible, duplicate).",
          {"strategy", "reason"})),
      store_errors(registry.AddCounter("nasprune_store_errors_total",
                                       "Store writes and reads that failed.")),
      store_up(registry.AddGauge("nasprune_store_up",
                                 "1 when the last store write succeeded.")),
      store_write_seconds(registry.AddHistogram(
          "nasprune_store_write_seconds",
          "Wall time of one store write: a batch of job commits and cache "
          "entries.",
          metrics::ExponentialBuckets(0.0001, 2, 16))) {}

}  // namespace nasprune::controller
