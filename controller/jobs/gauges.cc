#include "controller/jobs/gauges.h"

#include <map>
#include <string>
#include <vector>

#include "common/jobspec/states.h"

namespace nasprune::controller {

void UpdateGauges(ControllerMetrics& metrics, JobRegistry& registry,
                  WorkerPool& pool) {
  ControllerMetrics* m = &metrics;
  int queued = 0;
  std::map<v1::JobState, int> by_state;
  {
    absl::ReaderMutexLock lock(&registry.mu());
    for (const Job* job : registry.jobs()) {
      queued += job->queued();
      ++by_state[job->status().state()];
      // Per-job series only while the job runs: ended jobs leave the
      // output, so the series stay bounded.
      if (jobspec::IsFinal(job->status().state())) {
        for (auto* family :
             {&m->best_accuracy, &m->pareto_size, &m->hypervolume}) {
          family->Remove({job->id()});
        }
        continue;
      }
      if (!job->status().best_trial_id().empty()) {
        m->best_accuracy.Labels({job->id()}).Set(job->status().best_accuracy());
      }
      const v1::ParetoFront front = job->ParetoFront();
      m->pareto_size.Labels({job->id()}).Set(front.points_size());
      m->hypervolume.Labels({job->id()}).Set(front.hypervolume());
    }
  }
  m->queue_depth.Set(queued);
  for (v1::JobState state :
       {v1::JOB_STATE_PENDING, v1::JOB_STATE_RUNNING, v1::JOB_STATE_SUCCEEDED,
        v1::JOB_STATE_FAILED, v1::JOB_STATE_CANCELLED}) {
    m->jobs.Labels({jobspec::JobStateLabel(state)}).Set(by_state[state]);
  }
  int in_rotation = 0;
  const std::vector<std::string> workers = pool.Workers();
  for (const std::string& worker : workers)
    in_rotation += pool.InRotation(worker);
  m->workers.Labels({"in_rotation"}).Set(in_rotation);
  m->workers.Labels({"out_of_rotation"})
      .Set(static_cast<double>(workers.size()) - in_rotation);
  const int free = pool.free_slots();
  m->worker_slots.Labels({"free"}).Set(free);
  m->worker_slots.Labels({"busy"}).Set(pool.total_slots() - free);
}

}  // namespace nasprune::controller
