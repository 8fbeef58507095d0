#ifndef NASPRUNE_CONTROLLER_JOBS_MODEL_RETENTION_H_
#define NASPRUNE_CONTROLLER_JOBS_MODEL_RETENTION_H_

// Model retention (export.retain_models in job.proto): every successful
// trial keeps its scored model in the artifact directory while its job
// runs; once the job has ended, the models it no longer needs are deleted:
// those of trials off its fronts and not exported, unless another job still
// uses them (a running job's trial may have been answered with the same
// model from the cache) or keeps them (an ended job's front or export).
// Trials whose models were deleted stop naming them; the evaluation cache
// answers later lookups of those results without a model.
//
// A job is looked at once its final state is in the store (the caller runs
// this only while no write is in flight). Runs on the scheduler thread,
// which alone changes jobs and answers lookups, so no lookup can hand out a
// model between the choice and the deletion. An evaluation still running
// may yet publish a model with a digest deleted here (the same genome,
// seed and data trained twice at once); its export then finds the model
// gone and trains again (job.h). After a restart every ended job is looked at
// once more (what was deleted already is gone; nothing else changes).

#include <set>
#include <string>

#include "controller/jobs/job_registry.h"

namespace nasprune::controller {

class ModelRetention {
 public:
  // An empty `artifact_dir` keeps everything.
  explicit ModelRetention(std::string artifact_dir)
      : artifact_dir_(std::move(artifact_dir)) {}

  // Deletes what the jobs that ended since the last call no longer need.
  // Returns how many archives it deleted.
  int Run(JobRegistry& registry);

 private:
  const std::string artifact_dir_;
  std::set<std::string> released_;  // Ended jobs already looked at.
};

}  // namespace nasprune::controller

#endif  // NASPRUNE_CONTROLLER_JOBS_MODEL_RETENTION_H_
